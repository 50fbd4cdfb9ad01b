// SPDX-License-Identifier: GPL-2.0-or-later
#include "spec/reader.hpp"

#include <algorithm>
#include <optional>
#include <sstream>

#include "spec/values.hpp"

namespace srcompose::spec::detail {
namespace {

std::string_view article_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

bool is_bare_key(std::string_view key) {
  return !key.empty() && is_name_text(key, "_-");
}

template <class T>
std::string format_value(const T& value) {
  std::ostringstream out;
  out << toml::toml_formatter{value};
  return out.str();
}

// Docker compose's names for what srcompose spells otherwise: a compose user's first reflex gets
// the srcompose key named. `in` is the srcompose key that must be allowed where the compose key
// was found (so `test` is hinted only in a healthcheck, not beside a container's `command`).
struct ComposeName {
  std::string_view compose;
  std::string_view in;
  std::string_view table_suffix;  // "" or the end of the table's key path
  std::string_view hint;
};
constexpr ComposeName kComposeNames[] = {
    {"services", "containers", "", "`containers` ([containers.NAME] tables)"},
    {"environment", "env", "", "`env` (a table, or an array of \"KEY=VALUE\")"},
    {"working_dir", "workdir", "", "`workdir`"},
    {"volumes", "mounts", "", "`mounts` ([[containers.NAME.mounts]] tables)"},
    {"image", "rootfs", "", "`rootfs` (a directory, a tarball or builtin:busybox)"},
    {"mem_limit", "limits", "", "`limits.memory`"},
    {"memswap_limit", "limits", "", "`limits.memory_swap`"},
    {"cpus", "limits", "", "`limits.cpus`"},
    {"cpu_shares", "limits", "", "`limits.cpu_weight`"},
    {"cpuset", "limits", "", "`limits.cpuset`"},
    {"pids_limit", "limits", "", "`limits.pids`"},
    {"stop_grace_period", "stop_timeout", "", "`stop_timeout`"},
    {"container_name", "hostname", "", "the [containers.NAME] key (and `hostname`)"},
    {"test", "command", "healthcheck", "`command`"},
    {"entrypoint", "command", "", "`command` (the whole argv: there are no images)"},
    {"tmpfs", "mounts", "", "`mounts` with type = \"tmpfs\""},
    {"security_opt", "seccomp", "", "`seccomp` (and `cap_add`, `cap_drop`)"},
    {"userns_mode", "idmap", "", "`idmap`"},
    {"blkio_config", "limits", "", "`limits.io_read_bps` and the other `limits.io_*`"},
    {"ipv4_address", "ipv4", "", "`ipv4`"},
};

std::optional<std::string> compose_hint(std::string_view key, std::string_view path,
                                        std::span<const std::string_view> allowed) {
  for (const auto& name : kComposeNames) {
    if (name.compose != key || !path.ends_with(name.table_suffix)) continue;
    if (std::find(allowed.begin(), allowed.end(), name.in) == allowed.end()) continue;
    return "unknown key: `" + std::string(key) + "` is docker compose's name; srcompose's is " +
           std::string(name.hint);
  }
  return std::nullopt;
}

}  // namespace

std::string describe(const toml::node& node) {
  std::string text(article_name(node.type()));
  if (node.is_value()) {
    std::string value;
    node.visit([&](const auto& v) {
      if constexpr (toml::is_value<decltype(v)>) {
        // Messages quote with double quotes, as the lab file usually does.
        if constexpr (toml::is_string<decltype(v)>) {
          value = "\"" + v.get() + "\"";
        } else {
          value = format_value(v);
        }
      }
    });
    text = node.is_string() ? value : text + " (" + value + ")";
  }
  return text;
}

std::string join_key(std::string_view path, std::string_view key) {
  std::string quoted(key);
  if (!is_bare_key(key)) {
    // Double quotes, as people write device paths: io_read_bps."/dev/vda".
    quoted = "\"";
    for (char c : key) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    quoted += '"';
  }
  if (path.empty()) return quoted;
  return std::string(path) + "." + quoted;
}

std::string join_index(std::string_view path, size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

SourceLocation Reader::at(const toml::source_region& region) const {
  return SourceLocation{file_, region.begin.line, region.begin.column};
}

SourceLocation Reader::at(const toml::node& node) const {
  if (auto copy = copied_from_.find(&node); copy != copied_from_.end()) return copy->second;
  return at(node.source());
}

void Reader::copied(const toml::node& copy, const toml::node& original) {
  copied_from_[&copy] = at(original);
  if (const auto* table = copy.as_table()) {
    for (const auto& [key, node] : *table) {
      if (const toml::node* source = original.as_table()->get(key.str())) copied(node, *source);
    }
  } else if (const auto* array = copy.as_array()) {
    for (size_t i = 0; i < array->size(); ++i)
      copied((*array)[i], (*original.as_array())[i]);
  }
}

void Reader::error(SourceLocation where, std::string key_path, std::string message) {
  diagnostics_.push_back(Diagnostic{std::move(where), std::move(key_path), std::move(message)});
}

std::vector<Entry> Reader::in_file_order(const toml::table& table) {
  std::vector<Entry> entries;
  for (const auto& [key, node] : table)
    entries.push_back(Entry{&key, &node});
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    const auto& pa = a.key->source().begin;
    const auto& pb = b.key->source().begin;
    return std::tie(pa.line, pa.column) < std::tie(pb.line, pb.column);
  });
  return entries;
}

void Reader::check_keys(const toml::table& table, std::string_view path,
                        std::span<const std::string_view> allowed) {
  for (const auto& entry : in_file_order(table)) {
    std::string_view key = entry.key->str();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    if (auto hint = compose_hint(key, path, allowed)) {
      error(at(*entry.key), join_key(path, key), std::move(*hint));
      continue;
    }
    std::string_view best;
    size_t best_distance = 0;
    for (std::string_view candidate : allowed) {
      size_t distance = edit_distance(key, candidate);
      if (best.empty() || distance < best_distance) {
        best = candidate;
        best_distance = distance;
      }
    }
    std::string message = "unknown key";
    // A suggestion only when it is plausibly a typo: at most a third of the word differs.
    if (!best.empty() && best_distance <= std::max<size_t>(2, key.size() / 3)) {
      message += " (did you mean `" + std::string(best) + "`?)";
    } else {
      message += "; expected one of:";
      for (std::string_view candidate : allowed)
        message += " " + std::string(candidate);
    }
    error(at(*entry.key), join_key(path, key), std::move(message));
  }
}

std::optional<std::string> Reader::string(const toml::node& node, std::string_view path) {
  if (const auto* value = node.as_string()) return value->get();
  error(node, std::string(path), "found " + describe(node) + "; expected a string");
  return std::nullopt;
}

std::optional<bool> Reader::boolean(const toml::node& node, std::string_view path) {
  if (const auto* value = node.as_boolean()) return value->get();
  error(node, std::string(path), "found " + describe(node) + "; expected true or false");
  return std::nullopt;
}

std::optional<int64_t> Reader::integer(const toml::node& node, std::string_view path) {
  if (const auto* value = node.as_integer()) return value->get();
  error(node, std::string(path), "found " + describe(node) + "; expected an integer");
  return std::nullopt;
}

std::optional<int64_t> Reader::integer_in(const toml::node& node, std::string_view path,
                                          int64_t min, int64_t max) {
  auto value = integer(node, path);
  if (!value) return std::nullopt;
  if (*value < min || *value > max) {
    error(node, std::string(path),
          "found " + describe(node) + "; expected an integer from " + std::to_string(min) + " to " +
              std::to_string(max));
    return std::nullopt;
  }
  return value;
}

const toml::table* Reader::table(const toml::node& node, std::string_view path) {
  return table_or_error(node, path, "expected a table");
}

const toml::table* Reader::table_or_error(const toml::node& node, std::string_view path,
                                          std::string_view expected) {
  if (const auto* value = node.as_table()) return value;
  error(node, std::string(path), "found " + describe(node) + "; " + std::string(expected));
  return nullptr;
}

const toml::table* Reader::table(const toml::node& node, std::string_view path,
                                 std::span<const std::string_view> allowed) {
  const auto* value = table(node, path);
  if (value != nullptr) check_keys(*value, path, allowed);
  return value;
}

const toml::array* Reader::array(const toml::node& node, std::string_view path) {
  if (const auto* value = node.as_array()) return value;
  error(node, std::string(path), "found " + describe(node) + "; expected an array");
  return nullptr;
}

std::optional<std::vector<std::string>> Reader::strings(const toml::node& node,
                                                        std::string_view path) {
  const auto* elements = node.as_array();
  if (elements == nullptr) {
    error(node, std::string(path), "found " + describe(node) + "; expected an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < elements->size(); ++i) {
    auto text = string((*elements)[i], join_index(path, i));
    if (text) {
      out.push_back(std::move(*text));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> Reader::command(const toml::node& node,
                                                        std::string_view path) {
  if (const auto* text = node.as_string()) {
    return std::vector<std::string>{"/bin/sh", "-c", text->get()};
  }
  if (!node.is_array()) {
    error(node, std::string(path),
          "found " + describe(node) + "; expected an array of strings or a shell command string");
    return std::nullopt;
  }
  auto argv = strings(node, path);
  if (argv && argv->empty()) {
    error(node, std::string(path), "found an empty array; expected at least the program to run");
    return std::nullopt;
  }
  return argv;
}

std::vector<Diagnostic> Reader::take_sorted() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::tie(a.location.line, a.location.column) <
                            std::tie(b.location.line, b.location.column);
                   });
  return std::move(diagnostics_);
}

}  // namespace srcompose::spec::detail
