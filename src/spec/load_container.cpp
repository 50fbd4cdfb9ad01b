// [containers.NAME]: every key of a container except limits and mounts (load_resources.cpp).
#include <algorithm>
#include <array>
#include <set>

#include "plan/security.hpp"
#include "security/seccomp_profile.hpp"
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
constexpr std::array<std::string_view, 5> kHealthcheckKeys{"command", "interval", "timeout",
                                                           "start_period", "retries"};
constexpr std::array<std::string_view, 2> kTimeOffsetKeys{"monotonic", "boottime"};
constexpr std::array<std::string_view, 2> kIdMapKeys{"uid", "gid"};
constexpr std::array<std::string_view, 1> kAttachmentKeys{"ipv4"};
constexpr std::array<std::string_view, 1> kDependencyKeys{"condition"};

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
  auto name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  };
  return !(part[0] >= '0' && part[0] <= '9') && part[0] != '-' &&
         std::all_of(part.begin(), part.end(), name_char);
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

void read_networks(LoadContext& context, const toml::node& node, std::string_view path,
                   Container& container, ContainerSource& source) {
  Reader& reader = context.reader;
  source.networks = reader.at(node);
  auto add = [&](std::string name, SourceLocation where, std::string key_path) {
    bool duplicate = std::any_of(container.networks.begin(), container.networks.end(),
                                 [&](const NetworkAttachment& a) { return a.network == name; });
    if (duplicate) {
      reader.error(where, key_path,
                   "found network \"" + name + "\" a second time; expected each network once");
      return static_cast<NetworkAttachment*>(nullptr);
    }
    container.networks.push_back(NetworkAttachment{std::move(name), Ipv4{}, false});
    source.attachments.push_back(std::move(where));
    source.attachment_paths.push_back(std::move(key_path));
    return &container.networks.back();
  };
  if (const auto* names = node.as_array()) {
    for (size_t i = 0; i < names->size(); ++i) {
      std::string key_path = join_index(path, i);
      if (auto name = reader.string((*names)[i], key_path)) {
        add(*name, reader.at((*names)[i]), key_path);
      }
    }
    return;
  }
  const auto* table = node.as_table();
  if (table == nullptr) {
    reader.error(node, std::string(path),
                 "found " + describe(node) +
                     "; expected an array of network names or a table name -> { ipv4 = \"...\" }");
    return;
  }
  for (const auto& entry : Reader::in_file_order(*table)) {
    std::string key_path = join_key(path, entry.key->str());
    const auto* settings = reader.table(*entry.node, key_path);
    if (settings == nullptr) continue;
    reader.check_keys(*settings, key_path, kAttachmentKeys);
    const toml::node* ipv4_node = settings->get("ipv4");
    SourceLocation where =
        reader.at(ipv4_node ? *ipv4_node : static_cast<const toml::node&>(*entry.node));
    std::string ipv4_path = ipv4_node ? join_key(key_path, "ipv4") : key_path;
    NetworkAttachment* attachment = add(std::string(entry.key->str()), where, ipv4_path);
    if (attachment == nullptr || ipv4_node == nullptr) continue;
    auto text = reader.string(*ipv4_node, ipv4_path);
    if (!text) continue;
    auto address = parse_ipv4(*text);
    if (!address) {
      reader.error(*ipv4_node, ipv4_path,
                   "found " + describe(*ipv4_node) + "; " + address.error().to_string());
      continue;
    }
    attachment->ipv4 = *address;
    attachment->ipv4_static = true;
  }
}

void read_depends_on(LoadContext& context, const toml::node& node, std::string_view path,
                     Container& container, ContainerSource& source) {
  Reader& reader = context.reader;
  if (const auto* names = node.as_array()) {
    for (size_t i = 0; i < names->size(); ++i) {
      if (auto name = reader.string((*names)[i], join_index(path, i))) {
        container.depends_on.push_back(Dependency{*name, DependencyCondition::started});
        source.depends_on.push_back(reader.at((*names)[i]));
      }
    }
    return;
  }
  const auto* table = node.as_table();
  if (table == nullptr) {
    reader.error(
        node, std::string(path),
        "found " + describe(node) +
            "; expected an array of container names or a table name -> { condition = \"...\" }");
    return;
  }
  for (const auto& entry : Reader::in_file_order(*table)) {
    std::string key_path = join_key(path, entry.key->str());
    const auto* settings = reader.table(*entry.node, key_path);
    if (settings == nullptr) continue;
    reader.check_keys(*settings, key_path, kDependencyKeys);
    Dependency dependency{std::string(entry.key->str()), DependencyCondition::started};
    if (const toml::node* condition = settings->get("condition")) {
      std::string condition_path = join_key(key_path, "condition");
      auto text = reader.string(*condition, condition_path);
      if (text == "started") {
        dependency.condition = DependencyCondition::started;
      } else if (text == "healthy") {
        dependency.condition = DependencyCondition::healthy;
      } else if (text == "completed_successfully") {
        dependency.condition = DependencyCondition::completed_successfully;
      } else if (text) {
        reader.error(*condition, condition_path,
                     "found " + describe(*condition) +
                         "; expected \"started\", \"healthy\" or \"completed_successfully\"");
      }
    }
    container.depends_on.push_back(std::move(dependency));
    source.depends_on.push_back(reader.at(*entry.key));
  }
}

// Returns false when a range was reported (the map is then incomplete).
bool read_id_ranges(Reader& reader, const toml::node& node, std::string_view path,
                    std::vector<IdRange>& ranges, std::vector<SourceLocation>& locations) {
  const auto* array = reader.array(node, path);
  if (array == nullptr) return false;
  bool ok = !array->empty();
  if (array->empty()) {
    reader.error(node, std::string(path), "found an empty array; expected at least one range");
  }
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = (*array)[i];
    std::string key_path = join_index(path, i);
    auto text = reader.string(element, key_path);
    if (!text) continue;
    auto range = parse_id_range(*text);
    if (!range) {
      reader.error(element, key_path,
                   "found " + describe(element) + "; " + range.error().to_string());
      ok = false;
      continue;
    }
    // Mapping host root into the namespace makes the container's root own the host's files.
    if (range->outside == 0) {
      reader.error(
          element, key_path,
          "found " + describe(element) +
              ": maps host id 0 (root); expected ranges above 0, or idmap = \"host\" to run "
              "without a user namespace");
      ok = false;
      continue;
    }
    // The kernel refuses a map whose ranges overlap on either side (user_namespaces(7)).
    bool overlaps = std::any_of(ranges.begin(), ranges.end(), [&](const IdRange& other) {
      auto overlap = [](uint64_t a, uint64_t b, uint64_t count_a, uint64_t count_b) {
        return a < b + count_b && b < a + count_a;
      };
      return overlap(range->inside, other.inside, range->count, other.count) ||
             overlap(range->outside, other.outside, range->count, other.count);
    });
    if (overlaps) {
      reader.error(element, key_path,
                   "found " + describe(element) +
                       ": overlaps an earlier range of this map; expected "
                       "disjoint ranges");
      ok = false;
      continue;
    }
    ranges.push_back(*range);
    locations.push_back(reader.at(element));
  }
  return ok;
}

void read_idmap(LoadContext& context, const toml::node& node, std::string_view path, IdMap& idmap,
                ContainerSource& source) {
  Reader& reader = context.reader;
  source.idmap = reader.at(node);
  if (const auto* text = node.as_string()) {
    if (text->get() == "host") {
      idmap.mode = IdMapMode::host;
    } else if (text->get() == "auto") {
      idmap.mode = IdMapMode::automatic;
    } else {
      reader.error(node, std::string(path),
                   "found " + describe(node) +
                       "; expected \"auto\", \"host\" or a table { uid = [...], gid = [...] }");
    }
    return;
  }
  const auto* table = node.as_table();
  if (table == nullptr) {
    reader.error(node, std::string(path),
                 "found " + describe(node) +
                     "; expected \"auto\", \"host\" or a table { uid = [...], gid = [...] }");
    return;
  }
  reader.check_keys(*table, path, kIdMapKeys);
  idmap.mode = IdMapMode::explicit_ranges;
  const toml::node* uid = table->get("uid");
  const toml::node* gid = table->get("gid");
  if (uid == nullptr && gid == nullptr) {
    reader.error(node, std::string(path), "found no `uid` or `gid`; expected at least `uid`");
    source.idmap_valid = false;
    return;
  }
  if (uid && !read_id_ranges(reader, *uid, join_key(path, "uid"), idmap.uid, source.uid_ranges)) {
    source.idmap_valid = false;
  }
  if (gid && !read_id_ranges(reader, *gid, join_key(path, "gid"), idmap.gid, source.gid_ranges)) {
    source.idmap_valid = false;
  }
  // One list given: the other defaults to it, as most labs map both the same way.
  if (uid == nullptr) {
    idmap.uid = idmap.gid;
    source.uid_ranges = source.gid_ranges;
  }
  if (gid == nullptr) {
    idmap.gid = idmap.uid;
    source.gid_ranges = source.uid_ranges;
  }
}

// cap_add / cap_drop: names normalized to "NET_ADMIN"; "ALL" allowed.
std::vector<std::string> read_capabilities(Reader& reader, const toml::node& node,
                                           std::string_view path) {
  std::vector<std::string> names;
  const auto* array = reader.array(node, path);
  if (array == nullptr) return names;
  for (size_t i = 0; i < array->size(); ++i) {
    std::string key_path = join_index(path, i);
    auto text = reader.string((*array)[i], key_path);
    if (!text) continue;
    std::string upper = *text;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    std::string name;
    if (upper == "ALL") {
      name = "ALL";
    } else if (auto number = plan::capability_number(*text)) {
      name = std::string(plan::capability_name(*number));
    } else {
      reader.error((*array)[i], key_path,
                   "found " + describe((*array)[i]) +
                       "; expected a capability name such as \"NET_ADMIN\" or \"CAP_SYS_TIME\", or "
                       "\"ALL\"");
      continue;
    }
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

void read_healthcheck(LoadContext& context, const toml::node& node, std::string_view path,
                      Container& container) {
  Reader& reader = context.reader;
  const auto* table = reader.table(node, path);
  if (table == nullptr) return;
  reader.check_keys(*table, path, kHealthcheckKeys);
  Healthcheck healthcheck;
  if (const toml::node* command = table->get("command")) {
    if (auto argv = reader.command(*command, join_key(path, "command")))
      healthcheck.command = *argv;
  } else {
    reader.error(node, std::string(path), "found no `command`; expected the command to run");
  }
  auto positive_duration = [&](std::string_view key, Milliseconds& out, bool zero_ok) {
    const toml::node* value = table->get(key);
    if (value == nullptr) return;
    std::string key_path = join_key(path, key);
    auto duration = read_duration(reader, *value, key_path);
    if (!duration) return;
    if (!zero_ok && duration->count() == 0) {
      reader.error(*value, key_path, "found " + describe(*value) + "; expected a duration above 0");
      return;
    }
    out = *duration;
  };
  positive_duration("interval", healthcheck.interval, false);
  positive_duration("timeout", healthcheck.timeout, false);
  positive_duration("start_period", healthcheck.start_period, true);
  if (const toml::node* retries = table->get("retries")) {
    if (auto value = reader.integer_in(*retries, join_key(path, "retries"), 1, 1'000'000)) {
      healthcheck.retries = static_cast<uint32_t>(*value);
    }
  }
  container.healthcheck = std::move(healthcheck);
}

void read_time_offsets(LoadContext& context, const toml::node& node, std::string_view path,
                       Container& container) {
  Reader& reader = context.reader;
  const auto* table = reader.table(node, path);
  if (table == nullptr) return;
  reader.check_keys(*table, path, kTimeOffsetKeys);
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
  const auto* table = node.as_table();
  if (table == nullptr) {
    reader.error(node, std::string(path),
                 "found " + describe(node) +
                     "; expected a table NAME = \"value\" or an array of \"NAME=value\"");
    return;
  }
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

// The profile file is read and checked here, once: `config` then refuses a profile `up` would,
// and planning selects its rules from the text without touching the file again.
void read_seccomp_profile(LoadContext& context, const toml::node& node, std::string_view path,
                          Container& container) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(container.seccomp_profile, ec)) {
    context.reader.error(node, std::string(path),
                         "found " + describe(node) +
                             ": no such file (relative to the lab file); expected \"default\", "
                             "\"unconfined\" or a profile file");
    return;
  }
  auto text = security::read_seccomp_profile_file(container.seccomp_profile);
  Status checked = text ? security::check_seccomp_profile(*text) : Status(text.error());
  if (!checked) {
    context.reader.error(node, std::string(path),
                         "seccomp profile " + container.seccomp_profile.string() + ": " +
                             checked.error().to_string());
    return;
  }
  container.seccomp_profile_json = std::move(*text);
}

void read_seccomp(LoadContext& context, const toml::node& node, std::string_view path,
                  Container& container) {
  auto text = context.reader.string(node, path);
  if (!text) return;
  if (*text == "default") {
    container.seccomp = SeccompMode::default_profile;
  } else if (*text == "unconfined") {
    container.seccomp = SeccompMode::unconfined;
  } else {
    container.seccomp = SeccompMode::profile_file;
    container.seccomp_profile = (context.directory / *text).lexically_normal();
    read_seccomp_profile(context, node, path, container);
  }
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

// The keys that are one scalar each.
bool read_scalar_key(LoadContext& context, std::string_view key, const toml::node& node,
                     std::string_view path, Container& container) {
  Reader& reader = context.reader;
  if (key == "hostname" || key == "domainname") {
    auto text = reader.string(node, path);
    if (!text) return true;
    if (!(text->empty() && key == "domainname") && !is_host_name(*text)) {
      reader.error(node, std::string(path),
                   "found " + describe(node) +
                       "; expected letters, digits and '-' in dot-separated labels, at most 64 "
                       "characters");
    }
    (key == "hostname" ? container.hostname : container.domainname) = *text;
  } else if (key == "user") {
    auto text = reader.string(node, path);
    if (!text) return true;
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
    auto text = reader.string(node, path);
    if (!text) return true;
    if (!text->starts_with('/')) {
      reader.error(node, std::string(path),
                   "found " + describe(node) + "; expected an absolute path");
    }
    container.workdir = *text;
  } else if (key == "restart") {
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
    std::string text;
    if (const auto* number = node.as_integer()) {
      text = std::to_string(number->get());
    } else if (auto value = reader.string(node, path)) {
      text = *value;
    } else {
      return true;
    }
    auto signal = parse_signal(text);
    if (signal) {
      container.stop_signal = *signal;
    } else {
      reader.error(node, std::string(path),
                   "found " + describe(node) + "; " + signal.error().to_string());
    }
  } else if (key == "network_mode") {
    constexpr std::array<std::string_view, 2> kChoices{"bridge", "none"};
    if (auto index = read_choice(reader, node, path, kChoices)) {
      container.network_mode = static_cast<NetworkMode>(*index);
    }
  } else if (key == "read_only" || key == "persist" || key == "idmap_share") {
    if (auto value = reader.boolean(node, path)) {
      (key == "read_only" ? container.read_only
       : key == "persist" ? container.persist
                          : container.idmap_share) = *value;
    }
  } else {
    return false;
  }
  return true;
}

void read_ports(Reader& reader, const toml::node& node, std::string_view path, Container& container,
                ContainerSource& source) {
  const auto* array = reader.array(node, path);
  if (array == nullptr) return;
  for (size_t i = 0; i < array->size(); ++i) {
    std::string key_path = join_index(path, i);
    auto text = reader.string((*array)[i], key_path);
    if (!text) continue;
    auto port = parse_port_mapping(*text);
    if (!port) {
      reader.error((*array)[i], key_path,
                   "found " + describe((*array)[i]) + "; " + port.error().to_string());
      continue;
    }
    container.ports.push_back(*port);
    source.ports.push_back(reader.at((*array)[i]));
  }
}

void read_dns(Reader& reader, const toml::node& node, std::string_view path, Container& container) {
  auto servers = reader.strings(node, path);
  if (!servers) return;
  const auto& array = *node.as_array();
  for (size_t i = 0; i < servers->size(); ++i) {
    auto address = parse_ipv4((*servers)[i]);
    if (!address) {
      reader.error(array[i], join_index(path, i),
                   "found " + describe(array[i]) + "; " + address.error().to_string());
      continue;
    }
    container.dns.push_back(to_string(*address));
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
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
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
    const toml::node& node = *entry.node;
    std::string path = join_key(base, key);
    if (read_scalar_key(context, key, node, path, container)) continue;
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
    } else if (key == "depends_on") {
      read_depends_on(context, node, path, container, source);
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
    } else if (key == "limits") {
      if (const auto* limits = reader.table(node, path)) {
        read_limits(context, *limits, path, container.limits);
      }
    } else if (key == "mounts") {
      if (const auto* mounts = reader.array(node, path)) {
        read_mounts(context, *mounts, path, container.mounts);
      }
    } else if (key == "healthcheck") {
      read_healthcheck(context, node, path, container);
    } else if (key == "time_offsets") {
      read_time_offsets(context, node, path, container);
    } else if (key == "logging") {
      read_logging(context, node, path, container.logging);
    }
  }
  if (const toml::node* user = table.get("user")) source.user = reader.at(*user);
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

}  // namespace srcompose::spec::detail
