#include "security/seccomp_profile.hpp"

#include <cerrno>
#include <charconv>
#include <optional>

#include "plan/security.hpp"

namespace srcompose::security {
namespace {

// ---- A small JSON reader: enough for seccomp profiles, strict about syntax.
// -----------------------

struct JsonValue {
  enum class Kind { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  std::string text;               // string value, or the number as written
  std::vector<JsonValue> items;   // array elements, or object values
  std::vector<std::string> keys;  // object keys, parallel to `items`

  const JsonValue* find(std::string_view key) const {
    if (kind != Kind::object) return nullptr;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) return &items[i];
    }
    return nullptr;
  }
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  Result<JsonValue> parse_document() {
    JsonValue value;
    if (!parse_value(value, 0) || !(skip_space(), position_ == text_.size())) {
      if (error_.empty()) error_ = "unexpected trailing characters";
      return Error::message("JSON " + where() + ": " + error_);
    }
    return value;
  }

 private:
  static constexpr int kMaxDepth = 64;  // a hostile file must not exhaust the stack

  std::string where() const {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < position_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return "line " + std::to_string(line) + " column " + std::to_string(column);
  }

  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  void skip_space() {
    while (position_ < text_.size() && (text_[position_] == ' ' || text_[position_] == '\t' ||
                                        text_[position_] == '\n' || text_[position_] == '\r')) {
      ++position_;
    }
  }

  bool consume(std::string_view word) {
    if (text_.substr(position_, word.size()) != word) return false;
    position_ += word.size();
    return true;
  }

  bool parse_value(JsonValue& value, int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    skip_space();
    if (position_ >= text_.size()) return fail("unexpected end of input");
    char c = text_[position_];
    if (c == '{') return parse_object(value, depth);
    if (c == '[') return parse_array(value, depth);
    if (c == '"') {
      value.kind = JsonValue::Kind::string;
      return parse_string(value.text);
    }
    if (consume("true") || consume("false")) {
      value.kind = JsonValue::Kind::boolean;
      value.boolean = text_[position_ - 1] == 'e' && text_[position_ - 2] == 'u';  // "true"
      return true;
    }
    if (consume("null")) return true;
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number(value);
    return fail(std::string("unexpected character '") + c + "'");
  }

  bool parse_number(JsonValue& value) {
    size_t start = position_;
    auto is_number_char = [](char c) {
      return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
    };
    while (position_ < text_.size() && is_number_char(text_[position_]))
      ++position_;
    value.kind = JsonValue::Kind::number;
    value.text = std::string(text_.substr(start, position_ - start));
    return true;
  }

  bool parse_string(std::string& out) {
    ++position_;  // opening quote
    while (position_ < text_.size()) {
      char c = text_[position_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (position_ >= text_.size()) break;
      char escaped = text_[position_++];
      switch (escaped) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          // Profiles are ASCII; other code points are kept as '?' (they can name no syscall).
          if (position_ + 4 > text_.size()) return fail("truncated \\u escape");
          unsigned code = 0;
          auto [end, error] =
              std::from_chars(text_.data() + position_, text_.data() + position_ + 4, code, 16);
          if (error != std::errc{} || end != text_.data() + position_ + 4) {
            return fail("bad \\u escape");
          }
          position_ += 4;
          out += code < 0x80 ? static_cast<char>(code) : '?';
          break;
        }
        default:
          return fail("bad escape in string");
      }
    }
    return fail("unterminated string");
  }

  bool parse_array(JsonValue& value, int depth) {
    value.kind = JsonValue::Kind::array;
    ++position_;
    skip_space();
    if (consume("]")) return true;
    while (true) {
      value.items.emplace_back();
      if (!parse_value(value.items.back(), depth + 1)) return false;
      skip_space();
      if (consume("]")) return true;
      if (!consume(",")) return fail("expected ',' or ']'");
    }
  }

  bool parse_object(JsonValue& value, int depth) {
    value.kind = JsonValue::Kind::object;
    ++position_;
    skip_space();
    if (consume("}")) return true;
    while (true) {
      skip_space();
      if (position_ >= text_.size() || text_[position_] != '"') return fail("expected a key");
      value.keys.emplace_back();
      if (!parse_string(value.keys.back())) return false;
      skip_space();
      if (!consume(":")) return fail("expected ':'");
      value.items.emplace_back();
      if (!parse_value(value.items.back(), depth + 1)) return false;
      skip_space();
      if (consume("}")) return true;
      if (!consume(",")) return fail("expected ',' or '}'");
    }
  }

  std::string_view text_;
  size_t position_ = 0;
  std::string error_;
};

// ---- From JSON to a SeccompProfile.
// ----------------------------------------------------------------

std::optional<uint64_t> to_unsigned(const JsonValue& value) {
  if (value.kind != JsonValue::Kind::number) return std::nullopt;
  uint64_t number = 0;
  auto [end, error] =
      std::from_chars(value.text.data(), value.text.data() + value.text.size(), number);
  if (error != std::errc{} || end != value.text.data() + value.text.size()) return std::nullopt;
  return number;
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
  auto number = plan::capability_number(name);
  return number && ((capabilities >> *number) & 1U);
}

// Docker's semantics: includes.caps needs every listed cap, includes.arches needs the host's arch;
// excludes drop the entry when any listed cap is held or the host arch is listed.
bool entry_selected(const JsonValue& entry, uint64_t capabilities) {
  if (const auto* includes = entry.find("includes")) {
    if (const auto* caps = includes->find("caps")) {
      for (const auto& cap : caps->items) {
        if (!has_capability(capabilities, cap.text)) return false;
      }
    }
    if (const auto* arches = includes->find("arches"); arches && !arches->items.empty()) {
      bool found = false;
      for (const auto& arch : arches->items)
        found = found || is_host_arch(arch.text);
      if (!found) return false;
    }
  }
  if (const auto* excludes = entry.find("excludes")) {
    if (const auto* caps = excludes->find("caps")) {
      for (const auto& cap : caps->items) {
        if (has_capability(capabilities, cap.text)) return false;
      }
    }
    if (const auto* arches = excludes->find("arches")) {
      for (const auto& arch : arches->items) {
        if (is_host_arch(arch.text)) return false;
      }
    }
  }
  return true;
}

Result<SeccompArgument> parse_argument(const JsonValue& json) {
  SeccompArgument argument;
  const auto* index = json.find("index");
  const auto* value = json.find("value");
  const auto* op = json.find("op");
  if (!index || !value || !op) return Error::message("an argument needs index, value and op");
  auto index_number = to_unsigned(*index);
  if (!index_number || *index_number > 5) return Error::message("argument index must be 0..5");
  argument.index = static_cast<unsigned>(*index_number);
  auto value_number = to_unsigned(*value);
  if (!value_number) return Error::message("argument value must be an unsigned integer");
  argument.value = *value_number;
  if (const auto* value_two = json.find("valueTwo")) {
    auto number = to_unsigned(*value_two);
    if (!number) return Error::message("argument valueTwo must be an unsigned integer");
    argument.value_two = *number;
  }
  auto parsed_op = to_op(op->text);
  if (!parsed_op) return Error::message("unsupported op \"" + op->text + "\"");
  argument.op = *parsed_op;
  return argument;
}

Result<SeccompRule> parse_rule(const JsonValue& entry) {
  SeccompRule rule;
  if (const auto* names = entry.find("names")) {
    for (const auto& name : names->items) {
      if (name.kind != JsonValue::Kind::string) return Error::message("names must be strings");
      rule.names.push_back(name.text);
    }
  }
  if (const auto* name = entry.find("name"); name && name->kind == JsonValue::Kind::string) {
    rule.names.push_back(name->text);
  }
  const auto* action = entry.find("action");
  if (!action || action->kind != JsonValue::Kind::string) return Error::message("missing action");
  auto parsed = to_action(action->text);
  if (!parsed) return Error::message("unsupported action \"" + action->text + "\"");
  rule.action = *parsed;
  if (const auto* errno_ret = entry.find("errnoRet")) {
    auto number = to_unsigned(*errno_ret);
    if (!number || *number == 0 || *number > 4095)
      return Error::message("errnoRet must be 1..4095");
    rule.errno_value = static_cast<int>(*number);
  }
  if (const auto* args = entry.find("args"); args && args->kind == JsonValue::Kind::array) {
    for (const auto& arg : args->items) {
      auto argument = parse_argument(arg);
      if (!argument) return std::move(argument).error();
      rule.arguments.push_back(*argument);
    }
  }
  return rule;
}

}  // namespace

Result<SeccompProfile> parse_seccomp_profile(std::string_view json, uint64_t capabilities) {
  auto document = JsonReader(json).parse_document();
  if (!document) return std::move(document).error();
  SeccompProfile profile;
  const auto* default_action = document->find("defaultAction");
  if (!default_action || default_action->kind != JsonValue::Kind::string) {
    return Error::message("seccomp profile: \"defaultAction\" is missing");
  }
  auto action = to_action(default_action->text);
  if (!action) {
    return Error::message("seccomp profile: unsupported defaultAction \"" + default_action->text +
                          "\"");
  }
  profile.default_action = *action;
  if (const auto* errno_ret = document->find("defaultErrnoRet")) {
    auto number = to_unsigned(*errno_ret);
    if (!number || *number == 0 || *number > 4095) {
      return Error::message("seccomp profile: defaultErrnoRet must be 1..4095");
    }
    profile.default_errno = static_cast<int>(*number);
  }
  const auto* syscalls = document->find("syscalls");
  if (!syscalls) return profile;
  if (syscalls->kind != JsonValue::Kind::array) {
    return Error::message("seccomp profile: \"syscalls\" must be an array");
  }
  for (size_t i = 0; i < syscalls->items.size(); ++i) {
    const auto& entry = syscalls->items[i];
    auto context = "seccomp profile: syscalls[" + std::to_string(i) + "]";
    if (entry.kind != JsonValue::Kind::object) return Error::message(context + ": not an object");
    if (!entry_selected(entry, capabilities)) continue;
    auto rule = parse_rule(entry);
    if (!rule) return std::move(rule).error().context(context);
    profile.rules.push_back(std::move(*rule));
  }
  return profile;
}

}  // namespace srcompose::security
