// SPDX-License-Identifier: GPL-2.0-or-later
// [containers.NAME]: every key of a container except limits and mounts (load_resources.cpp).
#include <algorithm>
#include <array>
#include <set>

#include "spec/loader.hpp"
#include "spec/values.hpp"

namespace srcompose::spec::detail {
namespace {

constexpr std::array<std::string_view, 32> kContainerKeys{
    "extends",      "rootfs",       "command",      "hostname",
    "domainname",   "user",         "workdir",      "env",
    "depends_on",   "restart",      "max_restarts", "restart_delay_max",
    "stop_signal",  "stop_timeout", "network_mode", "networks",
    "dns",          "ports",        "cap_add",      "cap_drop",
    "seccomp",      "read_only",    "persist",      "idmap",
    "idmap_share",  "limits",       "mounts",       "healthcheck",
    "time_offsets", "logging",      "ulimits",      "sysctls"};
constexpr std::array<std::string_view, 2> kTimeOffsetKeys{"monotonic", "boottime"};

// A host name: RFC 1123 labels joined by dots, at most 64 characters (the kernel's UTS limit).
bool is_host_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    if (!is_host_label(name.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// "uid[:gid]": each part a number below 2^32-1 or a user/group name looked up in the rootfs.
bool is_user_part(std::string_view part) {
  if (part.empty() || part.size() > 32) return false;
  if (std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return part.size() < 10 || (part.size() == 10 && part < "4294967295");
  }
  return !(part[0] >= '0' && part[0] <= '9') && part[0] != '-' && is_name_text(part, "_-.");
}

void read_rootfs(LoadContext& context, const toml::node& node, std::string_view path,
                 Rootfs& rootfs) {
  auto text = context.reader.string(node, path);
  if (!text) return;
  rootfs.text = *text;
  const std::string expected =
      "; expected a directory, a .tar/.tar.gz/.tgz/.tar.xz file, or builtin:busybox";
  if (text->starts_with("builtin:")) {
    if (*text != "builtin:busybox") {
      context.reader.error(node, std::string(path), "found " + describe(node) + expected);
    }
    rootfs.kind = RootfsKind::builtin_busybox;
    return;
  }
  rootfs.path = (context.directory / *text).lexically_normal();
  std::error_code ec;
  auto status = std::filesystem::status(rootfs.path, ec);
  if (std::filesystem::is_directory(status)) {
    rootfs.kind = RootfsKind::directory;
    return;
  }
  rootfs.kind = RootfsKind::tarball;
  if (!std::filesystem::exists(status)) {
    context.reader.error(node, std::string(path),
                         "found " + describe(node) +
                             ": no such file or directory (relative to the lab file)" + expected);
    return;
  }
  const std::string name = rootfs.path.filename().string();
  bool tarball = std::filesystem::is_regular_file(status) &&
                 (name.ends_with(".tar") || name.ends_with(".tar.gz") || name.ends_with(".tgz") ||
                  name.ends_with(".tar.xz"));
  if (!tarball) context.reader.error(node, std::string(path), "found " + describe(node) + expected);
}

void read_time_offsets(LoadContext& context, const toml::node& node, std::string_view path,
                       Container& container) {
  Reader& reader = context.reader;
  const auto* table = reader.table(node, path, kTimeOffsetKeys);
  if (table == nullptr) return;
  TimeOffsets offsets;
  // The kernel keeps offset clocks within [0, KTIME_SEC_MAX / 2]; a century either way is plenty.
  constexpr int64_t kCentury = int64_t{100} * 365 * 24 * 3600;
  if (const toml::node* value = table->get("monotonic")) {
    if (auto seconds =
            reader.integer_in(*value, join_key(path, "monotonic"), -kCentury, kCentury)) {
      offsets.monotonic = *seconds;
    }
  }
  if (const toml::node* value = table->get("boottime")) {
    if (auto seconds = reader.integer_in(*value, join_key(path, "boottime"), -kCentury, kCentury)) {
      offsets.boottime = *seconds;
    }
  }
  container.time_offsets = offsets;
}

// One variable of `env`, with where its name and its value are written.
void add_env(Reader& reader, const SourceLocation& name_at, const SourceLocation& value_at,
             const std::string& key_path, std::string name, const std::string& value,
             Container& container) {
  if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos) {
    reader.error(name_at, key_path,
                 "found a variable name with '=' or empty; expected a name such as GREETING");
  } else if (value.find('\0') != std::string::npos) {
    reader.error(value_at, key_path, "found a NUL character; expected text without NUL");
  } else {
    container.env[std::move(name)] = value;
  }
}

// A table NAME = "value", or compose's list form ["NAME=value", ...].
void read_env(Reader& reader, const toml::node& node, std::string_view path, Container& container) {
  if (const auto* list = node.as_array()) {
    for (size_t i = 0; i < list->size(); ++i) {
      std::string key_path = join_index(path, i);
      auto text = reader.string((*list)[i], key_path);
      if (!text) continue;
      size_t equals = text->find('=');
      if (equals == std::string::npos) {
        reader.error((*list)[i], key_path,
                     "found " + describe((*list)[i]) + "; expected \"NAME=value\"");
        continue;
      }
      SourceLocation where = reader.at((*list)[i]);
      add_env(reader, where, where, key_path, text->substr(0, equals), text->substr(equals + 1),
              container);
    }
    return;
  }
  const auto* table = reader.table_or_error(
      node, path, "expected a table NAME = \"value\" or an array of \"NAME=value\"");
  if (table == nullptr) return;
  for (const auto& entry : Reader::in_file_order(*table)) {
    std::string name(entry.key->str());
    std::string key_path = join_key(path, name);
    if (auto value = reader.string(*entry.node, key_path)) {
      add_env(reader, reader.at(*entry.key), reader.at(*entry.node), key_path, name, *value,
              container);
    }
  }
}

// One enum-valued key: the text must be one of `choices`, whose index is returned.
std::optional<size_t> read_choice(Reader& reader, const toml::node& node, std::string_view path,
                                  std::span<const std::string_view> choices) {
  auto text = reader.string(node, path);
  if (!text) return std::nullopt;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (*text == choices[i]) return i;
  }
  std::string expected;
  for (size_t i = 0; i < choices.size(); ++i) {
    expected += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ");
    expected += "\"" + std::string(choices[i]) + "\"";
  }
  reader.error(node, std::string(path), "found " + describe(node) + "; expected " + expected);
  return std::nullopt;
}

void read_restart(Reader& reader, const toml::node& node, std::string_view path,
                  Container& container) {
  constexpr std::array<std::string_view, 4> kChoices{"no", "on-failure", "on-oom", "always"};
  if (node.value<std::string>() == "unless-stopped") {
    reader.error(node, std::string(path),
                 "found \"unless-stopped\", docker compose's policy; srcompose's is \"always\" "
                 "(a container stopped by `srcompose stop` stays stopped either way)");
  } else if (auto index = read_choice(reader, node, path, kChoices)) {
    container.restart = static_cast<RestartPolicy>(*index);
  }
}

// hostname, domainname, user, workdir: text that names something in the container.
bool read_name_key(Reader& reader, std::string_view key, const toml::node& node,
                   std::string_view path, Container& container) {
  if (key != "hostname" && key != "domainname" && key != "user" && key != "workdir") return false;
  auto text = reader.string(node, path);
  if (!text) return true;
  if (key == "user") {
    size_t colon = text->find(':');
    std::string_view user = std::string_view(*text).substr(0, colon);
    bool ok = is_user_part(user) && (colon == std::string::npos ||
                                     is_user_part(std::string_view(*text).substr(colon + 1)));
    if (!ok) {
      reader.error(node, std::string(path),
                   "found " + describe(node) +
                       "; expected \"uid[:gid]\" with numbers or user and group names, such as "
                       "\"1000:1000\" or \"nobody\"");
    }
    container.user = *text;
  } else if (key == "workdir") {
    if (!text->starts_with('/')) {
      reader.error(node, std::string(path),
                   "found " + describe(node) + "; expected an absolute path");
    }
    container.workdir = *text;
  } else {
    if (!(text->empty() && key == "domainname") && !is_host_name(*text)) {
      reader.error(node, std::string(path),
                   "found " + describe(node) +
                       "; expected letters, digits and '-' in dot-separated labels, at most 64 "
                       "characters");
    }
    (key == "hostname" ? container.hostname : container.domainname) = *text;
  }
  return true;
}

// stop_signal: a name or a number.
void read_stop_signal(Reader& reader, const toml::node& node, std::string_view path,
                      Container& container) {
  std::string text;
  if (const auto* number = node.as_integer()) {
    text = std::to_string(number->get());
  } else if (auto value = reader.string(node, path)) {
    text = *value;
  } else {
    return;
  }
  auto signal = parse_signal(text);
  if (signal) {
    container.stop_signal = *signal;
  } else {
    reader.error(node, std::string(path),
                 "found " + describe(node) + "; " + signal.error().to_string());
  }
}

// read_only, persist, idmap_share: booleans.
bool read_flag_key(Reader& reader, std::string_view key, const toml::node& node,
                   std::string_view path, Container& container) {
  bool* flag = key == "read_only"     ? &container.read_only
               : key == "persist"     ? &container.persist
               : key == "idmap_share" ? &container.idmap_share
                                      : nullptr;
  if (flag == nullptr) return false;
  if (auto value = reader.boolean(node, path)) *flag = *value;
  return true;
}

// The keys that are one scalar each.
bool read_scalar_key(LoadContext& context, std::string_view key, const toml::node& node,
                     std::string_view path, Container& container) {
  Reader& reader = context.reader;
  if (read_name_key(reader, key, node, path, container)) return true;
  if (key == "restart") {
    read_restart(reader, node, path, container);
  } else if (key == "max_restarts") {
    if (auto value = reader.integer_in(node, path, 0, UINT32_MAX)) {
      container.max_restarts = static_cast<uint32_t>(*value);
    }
  } else if (key == "restart_delay_max" || key == "stop_timeout") {
    if (auto duration = read_duration(reader, node, path)) {
      (key == "stop_timeout" ? container.stop_timeout : container.restart_delay_max) = *duration;
    }
  } else if (key == "stop_signal") {
    read_stop_signal(reader, node, path, container);
  } else if (key == "network_mode") {
    constexpr std::array<std::string_view, 2> kChoices{"bridge", "none"};
    if (auto index = read_choice(reader, node, path, kChoices)) {
      container.network_mode = static_cast<NetworkMode>(*index);
    }
  } else {
    return read_flag_key(reader, key, node, path, container);
  }
  return true;
}

// The keys of the process and its resources: rootfs, command, env, ulimits, sysctls, limits,
// mounts, time_offsets, logging.
bool read_process_key(LoadContext& context, std::string_view key, const toml::node& node,
                      const std::string& path, Container& container) {
  Reader& reader = context.reader;
  if (key == "rootfs") {
    read_rootfs(context, node, path, container.rootfs);
  } else if (key == "command") {
    if (auto argv = reader.command(node, path)) container.command = *argv;
  } else if (key == "env") {
    read_env(reader, node, path, container);
  } else if (key == "ulimits") {
    read_ulimits(reader, node, path, container.ulimits);
  } else if (key == "sysctls") {
    read_sysctls(reader, node, path, container.sysctls);
  } else if (key == "limits") {
    if (const auto* limits = reader.table(node, path))
      read_limits(context, *limits, path, container.limits);
  } else if (key == "mounts") {
    if (const auto* mounts = reader.array(node, path))
      read_mounts(context, *mounts, path, container.mounts);
  } else if (key == "time_offsets") {
    read_time_offsets(context, node, path, container);
  } else if (key == "logging") {
    read_logging(context, node, path, container.logging);
  } else {
    return false;
  }
  return true;
}

// The keys read by the other files: network, isolation, lifecycle.
void read_group_key(LoadContext& context, std::string_view key, const toml::node& node,
                    const std::string& path, Container& container, ContainerSource& source) {
  Reader& reader = context.reader;
  if (key == "depends_on") {
    read_depends_on(context, node, path, container, source);
  } else if (key == "healthcheck") {
    read_healthcheck(context, node, path, container);
  } else if (key == "networks") {
    read_networks(context, node, path, container, source);
  } else if (key == "dns") {
    read_dns(reader, node, path, container);
  } else if (key == "ports") {
    read_ports(reader, node, path, container, source);
  } else if (key == "cap_add") {
    container.cap_add = read_capabilities(reader, node, path);
  } else if (key == "cap_drop") {
    container.cap_drop = read_capabilities(reader, node, path);
  } else if (key == "seccomp") {
    read_seccomp(context, node, path, container);
  } else if (key == "idmap") {
    read_idmap(context, node, path, container.idmap, source);
  }
}

// What needs several keys of the container: persist and disk, cap_add and cap_drop, networks and
// network_mode.
void check_container_keys(Reader& reader, const toml::table& table, const std::string& base,
                          const Container& container, const ContainerSource& source) {
  if (container.persist && container.limits.disk) {
    reader.error(reader.at(*table.get("persist")), base + ".persist",
                 "found persist = true with limits.disk; expected one of them: a size-limited "
                 "layer lives in memory and cannot outlive the container");
  }
  for (const auto& name : container.cap_add) {
    if (std::find(container.cap_drop.begin(), container.cap_drop.end(), name) !=
        container.cap_drop.end()) {
      reader.error(
          reader.at(*table.get("cap_add")), base + ".cap_add",
          "found \"" + name + "\" in both cap_add and cap_drop; expected it in one of them");
    }
  }
  if (container.network_mode == NetworkMode::none && !container.networks.empty()) {
    reader.error(source.networks, base + ".networks",
                 "found networks with network_mode = \"none\"; expected no networks, or "
                 "network_mode = \"bridge\"");
  }
}

}  // namespace

std::optional<Milliseconds> read_duration(Reader& reader, const toml::node& node,
                                          std::string_view path) {
  const auto* text = node.as_string();
  if (text == nullptr) {
    reader.error(node, std::string(path),
                 "found " + describe(node) +
                     "; expected a duration such as \"10s\", \"500ms\", \"1m\" or \"1h\"");
    return std::nullopt;
  }
  auto duration = parse_duration(text->get());
  if (!duration) {
    reader.error(node, std::string(path),
                 "found " + describe(node) + "; " + duration.error().to_string());
    return std::nullopt;
  }
  return *duration;
}

bool is_host_label(std::string_view name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  return is_name_text(name, "-");
}

void read_container(LoadContext& context, const toml::table& table, Container& container,
                    ContainerSource& source) {
  Reader& reader = context.reader;
  const std::string base = join_key("containers", container.name);
  reader.check_keys(table, base, kContainerKeys);
  container.hostname = container.name;
  container.rootfs = Rootfs{RootfsKind::builtin_busybox, {}, "builtin:busybox"};
  for (const auto& entry : Reader::in_file_order(table)) {
    std::string_view key = entry.key->str();
    std::string path = join_key(base, key);
    if (read_scalar_key(context, key, *entry.node, path, container)) continue;
    if (read_process_key(context, key, *entry.node, path, container)) continue;
    read_group_key(context, key, *entry.node, path, container, source);
  }
  if (const toml::node* user = table.get("user")) source.user = reader.at(*user);
  check_container_keys(reader, table, base, container, source);
}

}  // namespace srcompose::spec::detail
