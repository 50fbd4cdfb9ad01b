// SPDX-License-Identifier: GPL-2.0-or-later
#include "security/seccomp_profile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <optional>

#include "common/unique_fd.hpp"
#include "security/capability_names.hpp"

namespace srcompose::security {
namespace {

namespace json = boost::json;

// ---- Reading the document: Boost.JSON, with the position of a syntax error for the message.
// -----

std::string line_and_column(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + " column " + std::to_string(column);
}

Error syntax_error(std::string_view text, size_t offset, const std::string& what) {
  return Error::message("JSON " + line_and_column(text, offset) + ": " + what);
}

Result<json::value> parse_document(std::string_view text) {
  json::parse_options options;
  options.max_depth = 64;  // a hostile file must not exhaust the stack
  json::stream_parser parser({}, options);
  boost::system::error_code error;
  size_t consumed = parser.write_some(text.data(), text.size(), error);
  if (!error && consumed < text.size()) error = json::error::extra_data;
  if (!error) parser.finish(error);
  if (error == json::error::extra_data)
    return syntax_error(text, consumed, "unexpected trailing characters");
  if (error == json::error::too_deep) return syntax_error(text, consumed, "nested too deeply");
  if (error) return syntax_error(text, consumed, error.message());
  return parser.release();
}

const json::value* find(const json::value& object, std::string_view key) {
  const auto* fields = object.if_object();
  return fields ? fields->if_contains(key) : nullptr;
}

// The string in `value`, or "" for anything else (an unknown name selects nothing).
std::string_view text_of(const json::value& value) {
  const auto* text = value.if_string();
  return text ? std::string_view(*text) : std::string_view();
}

// The elements of an array, or none for anything else.
json::array::const_iterator begin_of(const json::value* value) {
  static const json::array kEmpty;
  return value && value->is_array() ? value->get_array().begin() : kEmpty.begin();
}
json::array::const_iterator end_of(const json::value* value) {
  static const json::array kEmpty;
  return value && value->is_array() ? value->get_array().end() : kEmpty.end();
}

// ---- From JSON to a SeccompProfile.
// ----------------------------------------------------------------

std::optional<uint64_t> to_unsigned(const json::value& value) {
  if (value.is_uint64()) return value.get_uint64();
  if (value.is_int64() && value.get_int64() >= 0) return static_cast<uint64_t>(value.get_int64());
  return std::nullopt;  // negative, fractional, or not a number
}

std::optional<SeccompAction> to_action(std::string_view name) {
  if (name == "SCMP_ACT_ALLOW") return SeccompAction::allow;
  if (name == "SCMP_ACT_ERRNO") return SeccompAction::errno_return;
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SeccompAction::kill_thread;
  if (name == "SCMP_ACT_KILL_PROCESS") return SeccompAction::kill_process;
  if (name == "SCMP_ACT_TRAP") return SeccompAction::trap;
  if (name == "SCMP_ACT_LOG") return SeccompAction::log;
  return std::nullopt;  // SCMP_ACT_TRACE and SCMP_ACT_NOTIFY need a tracer or agent: not supported
}

std::optional<SeccompArgument::Op> to_op(std::string_view name) {
  using Op = SeccompArgument::Op;
  if (name == "SCMP_CMP_NE") return Op::not_equal;
  if (name == "SCMP_CMP_LT") return Op::less;
  if (name == "SCMP_CMP_LE") return Op::less_equal;
  if (name == "SCMP_CMP_EQ") return Op::equal;
  if (name == "SCMP_CMP_GE") return Op::greater_equal;
  if (name == "SCMP_CMP_GT") return Op::greater;
  if (name == "SCMP_CMP_MASKED_EQ") return Op::masked_equal;
  return std::nullopt;
}

// Docker's arch names for this host, plus libseccomp's spellings.
bool is_host_arch(std::string_view name) {
  return name == "amd64" || name == "x86_64" || name == "SCMP_ARCH_X86_64";
}

bool has_capability(uint64_t capabilities, std::string_view name) {
  auto number = security::capability_number(name);
  return number && ((capabilities >> *number) & 1U);
}

// Docker's semantics: includes.caps needs every listed cap, includes.arches needs the host's arch;
// excludes drop the entry when any listed cap is held or the host arch is listed.
bool entry_selected(const json::value& entry, uint64_t capabilities) {
  if (const auto* includes = find(entry, "includes")) {
    const auto* caps = find(*includes, "caps");
    for (auto cap = begin_of(caps); cap != end_of(caps); ++cap) {
      if (!has_capability(capabilities, text_of(*cap))) return false;
    }
    const auto* arches = find(*includes, "arches");
    if (begin_of(arches) != end_of(arches) &&
        std::none_of(begin_of(arches), end_of(arches),
                     [](const json::value& arch) { return is_host_arch(text_of(arch)); })) {
      return false;
    }
  }
  if (const auto* excludes = find(entry, "excludes")) {
    const auto* caps = find(*excludes, "caps");
    for (auto cap = begin_of(caps); cap != end_of(caps); ++cap) {
      if (has_capability(capabilities, text_of(*cap))) return false;
    }
    const auto* arches = find(*excludes, "arches");
    for (auto arch = begin_of(arches); arch != end_of(arches); ++arch) {
      if (is_host_arch(text_of(*arch))) return false;
    }
  }
  return true;
}

Result<SeccompArgument> parse_argument(const json::value& entry) {
  SeccompArgument argument;
  const auto* index = find(entry, "index");
  const auto* value = find(entry, "value");
  const auto* op = find(entry, "op");
  if (!index || !value || !op) return Error::message("an argument needs index, value and op");
  auto index_number = to_unsigned(*index);
  if (!index_number || *index_number > 5) return Error::message("argument index must be 0..5");
  argument.index = static_cast<unsigned>(*index_number);
  auto value_number = to_unsigned(*value);
  if (!value_number) return Error::message("argument value must be an unsigned integer");
  argument.value = *value_number;
  if (const auto* value_two = find(entry, "valueTwo")) {
    auto number = to_unsigned(*value_two);
    if (!number) return Error::message("argument valueTwo must be an unsigned integer");
    argument.value_two = *number;
  }
  auto parsed_op = to_op(text_of(*op));
  if (!parsed_op) return Error::message("unsupported op \"" + std::string(text_of(*op)) + "\"");
  argument.op = *parsed_op;
  return argument;
}

Result<SeccompRule> parse_rule(const json::value& entry) {
  SeccompRule rule;
  const auto* names = find(entry, "names");
  for (auto name = begin_of(names); name != end_of(names); ++name) {
    if (!name->is_string()) return Error::message("names must be strings");
    rule.names.emplace_back(text_of(*name));
  }
  if (const auto* name = find(entry, "name"); name && name->is_string()) {
    rule.names.emplace_back(text_of(*name));
  }
  const auto* action = find(entry, "action");
  if (!action || !action->is_string()) return Error::message("missing action");
  auto parsed = to_action(text_of(*action));
  if (!parsed) {
    return Error::message("unsupported action \"" + std::string(text_of(*action)) + "\"");
  }
  rule.action = *parsed;
  if (const auto* errno_ret = find(entry, "errnoRet")) {
    auto number = to_unsigned(*errno_ret);
    if (!number || *number == 0 || *number > 4095)
      return Error::message("errnoRet must be 1..4095");
    rule.errno_value = static_cast<int>(*number);
  }
  const auto* args = find(entry, "args");
  for (auto arg = begin_of(args); arg != end_of(args); ++arg) {
    auto argument = parse_argument(*arg);
    if (!argument) return std::move(argument).error();
    rule.arguments.push_back(*argument);
  }
  return rule;
}

// `every_entry`: read the entries that do not select `capabilities` or the host too (check only).
Result<SeccompProfile> parse_profile(std::string_view text, uint64_t capabilities,
                                     bool every_entry) {
  auto document = parse_document(text);
  if (!document) return std::move(document).error();
  SeccompProfile profile;
  const auto* default_action = find(*document, "defaultAction");
  if (!default_action || !default_action->is_string()) {
    return Error::message("seccomp profile: \"defaultAction\" is missing");
  }
  auto action = to_action(text_of(*default_action));
  if (!action) {
    return Error::message("seccomp profile: unsupported defaultAction \"" +
                          std::string(text_of(*default_action)) + "\"");
  }
  profile.default_action = *action;
  if (const auto* errno_ret = find(*document, "defaultErrnoRet")) {
    auto number = to_unsigned(*errno_ret);
    if (!number || *number == 0 || *number > 4095) {
      return Error::message("seccomp profile: defaultErrnoRet must be 1..4095");
    }
    profile.default_errno = static_cast<int>(*number);
  }
  const auto* syscalls = find(*document, "syscalls");
  if (!syscalls) return profile;
  if (!syscalls->is_array())
    return Error::message("seccomp profile: \"syscalls\" must be an array");
  const auto& entries = syscalls->get_array();
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& entry = entries[i];
    auto context = "seccomp profile: syscalls[" + std::to_string(i) + "]";
    if (!entry.is_object()) return Error::message(context + ": not an object");
    if (!every_entry && !entry_selected(entry, capabilities)) continue;
    auto rule = parse_rule(entry);
    if (!rule) return std::move(rule).error().context(context);
    profile.rules.push_back(std::move(*rule));
  }
  return profile;
}

}  // namespace

Result<SeccompProfile> parse_seccomp_profile(std::string_view text, uint64_t capabilities) {
  return parse_profile(text, capabilities, /*every_entry=*/false);
}

Status check_seccomp_profile(std::string_view json) {
  auto profile = parse_profile(json, 0, /*every_entry=*/true);
  if (!profile) return std::move(profile).error();
  return {};
}

Result<std::string> read_seccomp_profile_file(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd) return Error::last_errno("open " + path.string());
  struct stat status {};
  if (::fstat(fd.get(), &status) < 0) return Error::last_errno("fstat " + path.string());
  constexpr off_t kMaxProfileSize = 4 << 20;
  if (!S_ISREG(status.st_mode)) return Error::message(path.string() + ": not a regular file");
  if (status.st_size > kMaxProfileSize)
    return Error::message(path.string() + ": larger than 4 MiB");
  std::string text(static_cast<size_t>(status.st_size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::last_errno("read " + path.string());
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  text.resize(done);
  return text;
}

}  // namespace srcompose::security
