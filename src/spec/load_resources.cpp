// SPDX-License-Identifier: GPL-2.0-or-later
// [containers.NAME.limits] and [[containers.NAME.mounts]].
#include <sys/stat.h>
#include <algorithm>
#include <array>

#include "spec/loader.hpp"
#include "spec/values.hpp"

namespace srcompose::spec::detail {
namespace {

constexpr std::array<std::string_view, 14> kLimitKeys{
    "memory",        "memory_swap", "cpu_weight",  "cpus",         "cpuset",
    "cpuset_mems",   "pids",        "io_read_bps", "io_write_bps", "io_read_iops",
    "io_write_iops", "cpu_time",    "wall_time",   "disk"};
// Below this a layer cannot hold the few files srcompose writes (/etc/hosts ...) and a shell's
// history: a smaller value is a typo for a bigger one.
constexpr uint64_t kMinDisk = uint64_t{1024} * 1024;
constexpr std::array<std::string_view, 3> kLoggingKeys{"max_size", "max_file", "rate"};
// A file must hold one record (a 64 KiB read, escaped, and its header); a budget below a few KiB
// per second would drop a shell's prompt.
constexpr uint64_t kMinLogSize = uint64_t{256} * 1024;
constexpr uint64_t kMinLogRate = uint64_t{4} * 1024;
constexpr std::array<std::string_view, 7> kMountKeys{"type", "source", "target", "readonly",
                                                     "size", "mode",   "idmap"};

// A size: an integer of bytes or a string such as "64M".
std::optional<uint64_t> read_size(Reader& reader, const toml::node& node, std::string_view path) {
  if (const auto* number = node.as_integer()) {
    if (number->get() >= 0) return static_cast<uint64_t>(number->get());
  } else if (const auto* text = node.as_string()) {
    auto size = parse_size(text->get());
    if (size) return *size;
    reader.error(node, std::string(path),
                 "found " + describe(node) + "; " + size.error().to_string());
    return std::nullopt;
  }
  reader.error(
      node, std::string(path),
      "found " + describe(node) + "; expected a size such as \"64M\", \"1G\", \"512k\" or bytes");
  return std::nullopt;
}

// io_* limits: a table device -> value, devices being block device paths or "rootfs". Sorted by
// device: their order carries no meaning, and a sorted list prints and compares canonically.
std::vector<DeviceLimit> read_device_limits(Reader& reader, const toml::node& node,
                                            std::string_view path, bool bytes) {
  std::vector<DeviceLimit> limits;
  const auto* table = reader.table_or_error(
      node, path,
      std::string("expected a table device -> value, such as { \"/dev/vda\" = ") +
          (bytes ? "\"1M\"" : "100") + " }");
  if (table == nullptr) return limits;
  for (const auto& entry : Reader::in_file_order(*table)) {
    std::string device(entry.key->str());
    std::string key_path = join_key(path, device);
    if (device != "rootfs") {
      struct stat status {};
      if (!device.starts_with('/') || ::stat(device.c_str(), &status) != 0 ||
          !S_ISBLK(status.st_mode)) {
        reader.error(reader.at(*entry.key), key_path,
                     "found device \"" + device +
                         "\": not a block device on this host; expected a "
                         "block device path such as \"/dev/vda\", or \"rootfs\"");
        continue;
      }
    }
    std::optional<uint64_t> value;
    if (bytes) {
      value = read_size(reader, *entry.node, key_path);
    } else if (auto number = reader.integer_in(*entry.node, key_path, 1, INT64_MAX)) {
      value = static_cast<uint64_t>(*number);
    }
    if (value && *value == 0) {
      reader.error(*entry.node, key_path, "found 0; expected a limit above 0");
      continue;
    }
    if (value) limits.push_back(DeviceLimit{device, *value});
  }
  std::sort(limits.begin(), limits.end(),
            [](const DeviceLimit& a, const DeviceLimit& b) { return a.device < b.device; });
  return limits;
}

void read_cpus(LoadContext& context, const toml::node& node, std::string_view path,
               Limits& limits) {
  std::optional<double> cpus;
  if (const auto* number = node.as_floating_point()) cpus = number->get();
  if (const auto* number = node.as_integer()) cpus = static_cast<double>(number->get());
  const std::string expected = "expected a number of CPUs from 0.01 to " +
                               std::to_string(context.host_cpu_count) + " (this host's CPUs)";
  if (!cpus || !(*cpus >= 0.01 && *cpus <= context.host_cpu_count)) {
    context.reader.error(node, std::string(path), "found " + describe(node) + "; " + expected);
    return;
  }
  limits.cpus = cpus;
}

void read_cpuset(LoadContext& context, const toml::node& node, std::string_view path,
                 std::optional<std::string>& out, bool cpus) {
  auto text = context.reader.string(node, path);
  if (!text) return;
  auto highest = parse_cpu_list_max(*text);
  if (!highest) {
    context.reader.error(node, std::string(path),
                         "found " + describe(node) + "; " + highest.error().to_string());
    return;
  }
  if (cpus && *highest >= context.host_cpu_count) {
    context.reader.error(node, std::string(path),
                         "found " + describe(node) + ": CPU " + std::to_string(*highest) +
                             " does not exist; expected CPUs 0 to " +
                             std::to_string(context.host_cpu_count - 1) + " (this host's CPUs)");
    return;
  }
  out = *text;
}

bool has_dot_dot(std::string_view path) {
  std::filesystem::path p(path);
  return std::any_of(p.begin(), p.end(), [](const auto& part) { return part == ".."; });
}

// `type`: "bind" (the default) or "tmpfs"; false when it is neither.
bool read_mount_type(Reader& reader, const toml::table& table, std::string_view path,
                     Mount& mount) {
  const toml::node* type = table.get("type");
  if (type == nullptr) return true;
  auto text = reader.string(*type, join_key(path, "type"));
  if (text == "tmpfs") {
    mount.type = MountType::tmpfs;
  } else if (text && text != "bind") {
    reader.error(*type, join_key(path, "type"),
                 "found " + describe(*type) + "; expected \"bind\" or \"tmpfs\"");
    return false;
  }
  return true;
}

// A bind mount's `source`, an existing host path relative to the lab file; no tmpfs keys.
void read_bind_source(LoadContext& context, const toml::table& table, std::string_view path,
                      Mount& mount) {
  Reader& reader = context.reader;
  const toml::node* source = table.get("source");
  if (source == nullptr) {
    reader.error(mount.location, std::string(path),
                 "found a bind mount without `source`; expected the host path to bind");
  } else if (auto text = reader.string(*source, join_key(path, "source"))) {
    mount.source = (context.directory / *text).lexically_normal();
    std::error_code ec;
    if (!std::filesystem::exists(mount.source, ec)) {
      reader.error(*source, join_key(path, "source"),
                   "found " + describe(*source) +
                       ": no such file or directory (relative to the lab file); expected an "
                       "existing host path");
    }
  }
  for (std::string_view key : {"size", "mode"}) {
    if (const toml::node* value = table.get(key)) {
      reader.error(*value, join_key(path, key),
                   "found `" + std::string(key) +
                       "` on a bind mount; expected it only with type = \"tmpfs\"");
    }
  }
}

// `target`: an absolute path below / without "..", one mount per target.
void read_mount_target(Reader& reader, const toml::table& table, std::string_view path,
                       const std::vector<Mount>& mounts, Mount& mount) {
  const toml::node* target = table.get("target");
  if (target == nullptr) {
    reader.error(mount.location, std::string(path),
                 "found a mount without `target`; expected the path inside the container");
    return;
  }
  auto text = reader.string(*target, join_key(path, "target"));
  if (!text) return;
  if (!text->starts_with('/') || *text == "/" || has_dot_dot(*text)) {
    reader.error(
        *target, join_key(path, "target"),
        "found " + describe(*target) + "; expected an absolute path below / without \"..\"");
    return;
  }
  mount.target = std::filesystem::path(*text).lexically_normal().string();
  if (mount.target.size() > 1 && mount.target.ends_with('/')) mount.target.pop_back();
  bool twice = std::any_of(mounts.begin(), mounts.end(),
                           [&](const Mount& other) { return other.target == mount.target; });
  if (twice) {
    reader.error(*target, join_key(path, "target"),
                 "found " + describe(*target) + " a second time; expected one mount per target");
  }
}

// Permission bits as an integer (0o755) or octal digits ("1777").
std::optional<int64_t> mode_bits(const toml::node& mode) {
  if (const auto* number = mode.as_integer()) return number->get();
  if (const auto* text = mode.as_string()) {
    const std::string& digits = text->get();
    if (!digits.empty() && digits.size() <= 5 &&
        digits.find_first_not_of("01234567") == std::string::npos) {
      return std::stoll(digits, nullptr, 8);
    }
  }
  return std::nullopt;
}

// A tmpfs mount's `size` and `mode`.
void read_tmpfs_options(Reader& reader, const toml::table& table, std::string_view path,
                        Mount& mount) {
  if (const toml::node* size = table.get("size"))
    mount.size = read_size(reader, *size, join_key(path, "size"));
  const toml::node* mode = table.get("mode");
  if (mode == nullptr) return;
  auto bits = mode_bits(*mode);
  if (!bits || *bits < 0 || *bits > 07777) {
    reader.error(
        *mode, join_key(path, "mode"),
        "found " + describe(*mode) + "; expected permission bits such as 0o755 or \"1777\"");
  } else {
    mount.mode = static_cast<uint32_t>(*bits);
  }
}

void read_mount(LoadContext& context, const toml::table& table, std::string_view path,
                std::vector<Mount>& mounts) {
  Reader& reader = context.reader;
  reader.check_keys(table, path, kMountKeys);
  Mount mount;
  mount.location = reader.at(table);
  if (!read_mount_type(reader, table, path, mount)) return;
  if (mount.type == MountType::bind) {
    read_bind_source(context, table, path, mount);
  } else if (const toml::node* source = table.get("source")) {
    reader.error(*source, join_key(path, "source"),
                 "found `source` on a tmpfs mount; expected no source");
  }
  read_mount_target(reader, table, path, mounts, mount);
  if (const toml::node* readonly = table.get("readonly")) {
    if (auto value = reader.boolean(*readonly, join_key(path, "readonly"))) mount.readonly = *value;
  }
  if (const toml::node* idmap = table.get("idmap")) {
    if (mount.type != MountType::bind) {
      reader.error(*idmap, join_key(path, "idmap"),
                   "found `idmap` on a tmpfs mount; expected it only on a bind mount");
    } else if (auto value = reader.boolean(*idmap, join_key(path, "idmap"))) {
      mount.idmap = *value;
    }
  }
  if (mount.type == MountType::tmpfs) read_tmpfs_options(reader, table, path, mount);
  mounts.push_back(std::move(mount));
}

}  // namespace

namespace {

// memory, memory_swap and disk: a size of at least `minimum` (named `minimum_text`).
std::optional<uint64_t> read_size_at_least(Reader& reader, const toml::node& node,
                                           const std::string& key_path, uint64_t minimum,
                                           std::string_view minimum_text) {
  auto size = read_size(reader, node, key_path);
  if (size && *size < minimum) {
    reader.error(node, key_path,
                 "found " + describe(node) + "; expected at least " + std::string(minimum_text));
    return std::nullopt;
  }
  return size;
}

// cpu_time and wall_time: a duration above 0.
std::optional<std::chrono::milliseconds> read_time_limit(Reader& reader, const toml::node& node,
                                                         const std::string& key_path) {
  auto duration = read_duration(reader, node, key_path);
  if (duration && duration->count() <= 0) {
    reader.error(node, key_path, "found " + describe(node) + "; expected a duration above 0");
    return std::nullopt;
  }
  return duration;
}

// io_read_bps, io_write_bps (sizes), io_read_iops, io_write_iops (counts): per device.
void read_io_limit(Reader& reader, std::string_view key, const toml::node& node,
                   const std::string& key_path, Limits& limits) {
  const bool bytes = key.ends_with("_bps");
  auto& device_limits = key == "io_read_bps"    ? limits.io_read_bps
                        : key == "io_write_bps" ? limits.io_write_bps
                        : key == "io_read_iops" ? limits.io_read_iops
                                                : limits.io_write_iops;
  device_limits = read_device_limits(reader, node, key_path, bytes);
}

// One key of [limits] (the keys were checked before).
void read_limit(LoadContext& context, std::string_view key, const toml::node& node,
                const std::string& key_path, Limits& limits) {
  Reader& reader = context.reader;
  if (key == "memory" || key == "memory_swap") {
    // The kernel rounds to pages; anything below a few pages cannot even start a process.
    (key == "memory" ? limits.memory : limits.memory_swap) =
        read_size_at_least(reader, node, key_path, 4096, "4K");
  } else if (key == "cpu_weight") {
    if (auto weight = reader.integer_in(node, key_path, 1, 10000))
      limits.cpu_weight = static_cast<uint64_t>(*weight);
  } else if (key == "cpus") {
    read_cpus(context, node, key_path, limits);
  } else if (key == "cpuset" || key == "cpuset_mems") {
    read_cpuset(context, node, key_path, key == "cpuset" ? limits.cpuset : limits.cpuset_mems,
                key == "cpuset");
  } else if (key == "pids") {
    if (auto pids = reader.integer_in(node, key_path, 1, INT32_MAX))
      limits.pids = static_cast<uint64_t>(*pids);
  } else if (key.starts_with("io_")) {
    read_io_limit(reader, key, node, key_path, limits);
  } else if (key == "cpu_time" || key == "wall_time") {
    (key == "cpu_time" ? limits.cpu_time : limits.wall_time) =
        read_time_limit(reader, node, key_path);
  } else if (key == "disk") {
    limits.disk = read_size_at_least(reader, node, key_path, kMinDisk, "1M");
  }
}

// With disk the layer is on a tmpfs: no block device to throttle. False when it said so.
bool check_disk_without_rootfs_io(Reader& reader, const toml::table& table, std::string_view path,
                                  const Limits& limits) {
  const toml::node* disk = table.get("disk");
  if (disk == nullptr || !limits.disk) return true;
  for (const auto* io :
       {&limits.io_read_bps, &limits.io_write_bps, &limits.io_read_iops, &limits.io_write_iops}) {
    for (const auto& limit : *io) {
      if (limit.device != "rootfs") continue;
      reader.error(*disk, join_key(path, "disk"),
                   "found disk with an io limit on \"rootfs\"; expected one of them: with disk "
                   "the writable layer is in memory (tmpfs), not on a block device");
      return false;
    }
  }
  return true;
}

// memory_swap counts memory plus swap: it needs memory, and at least as much.
void check_memory_swap(Reader& reader, const toml::table& table, std::string_view path,
                       const Limits& limits) {
  const toml::node* swap = table.get("memory_swap");
  if (swap == nullptr || !limits.memory_swap) return;
  std::string key_path = join_key(path, "memory_swap");
  if (!limits.memory) {
    reader.error(*swap, key_path, "found memory_swap without memory; expected `memory` too");
  } else if (*limits.memory_swap < *limits.memory) {
    reader.error(*swap, key_path,
                 "found " + describe(*swap) + "; expected at least memory (" +
                     format_size(*limits.memory) + "): memory_swap counts memory plus swap");
  }
}

}  // namespace

void read_limits(LoadContext& context, const toml::table& table, std::string_view path,
                 Limits& limits) {
  context.reader.check_keys(table, path, kLimitKeys);
  for (const auto& entry : Reader::in_file_order(table))
    read_limit(context, entry.key->str(), *entry.node, join_key(path, entry.key->str()), limits);
  if (check_disk_without_rootfs_io(context.reader, table, path, limits))
    check_memory_swap(context.reader, table, path, limits);
}

void read_mounts(LoadContext& context, const toml::array& array, std::string_view path,
                 std::vector<Mount>& mounts) {
  for (size_t i = 0; i < array.size(); ++i) {
    std::string key_path = join_index(path, i);
    if (const auto* table = context.reader.table(array[i], key_path)) {
      read_mount(context, *table, key_path, mounts);
    }
  }
}

void read_logging(LoadContext& context, const toml::node& node, std::string_view path,
                  Logging& logging) {
  Reader& reader = context.reader;
  const auto* table = reader.table(node, path, kLoggingKeys);
  if (table == nullptr) return;
  auto size_at_least = [&](std::string_view key, uint64_t minimum, uint64_t& out) {
    const toml::node* value = table->get(key);
    if (value == nullptr) return;
    std::string key_path = join_key(path, key);
    auto size = read_size(reader, *value, key_path);
    if (!size) return;
    if (*size < minimum) {
      reader.error(*value, key_path,
                   "found " + describe(*value) + "; expected at least " + format_size(minimum));
      return;
    }
    out = *size;
  };
  size_at_least("max_size", kMinLogSize, logging.max_size);
  size_at_least("rate", kMinLogRate, logging.rate);
  if (const toml::node* files = table->get("max_file")) {
    if (auto value = reader.integer_in(*files, join_key(path, "max_file"), 1, 100)) {
      logging.max_file = static_cast<uint32_t>(*value);
    }
  }
}

}  // namespace srcompose::spec::detail
