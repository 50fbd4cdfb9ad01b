// SPDX-License-Identifier: GPL-2.0-or-later
#include "cgroup/values.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "cgroup/files.hpp"

namespace srcompose::cgroup {

namespace {

std::optional<unsigned> to_unsigned(std::string_view text) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Parses "MAJ:MIN" (the `dev` files of sysfs).
std::optional<std::pair<unsigned, unsigned>> parse_device_number(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto major_number = to_unsigned(text.substr(0, colon));
  auto minor_number = to_unsigned(text.substr(colon + 1));
  if (!major_number || !minor_number) return std::nullopt;
  return std::pair{*major_number, *minor_number};
}

std::optional<uint64_t> IoThrottle::*field_of(int which) {
  switch (which) {
    case 0:
      return &IoThrottle::read_bps;
    case 1:
      return &IoThrottle::write_bps;
    case 2:
      return &IoThrottle::read_iops;
    default:
      return &IoThrottle::write_iops;
  }
}

}  // namespace

uint64_t cpu_weight_to_shares(uint64_t weight) {
  weight = std::clamp<uint64_t>(weight, 1, 10'000);
  return std::max<uint64_t>(2, (weight * 1024 + 50) / 100);
}

uint64_t cpu_shares_to_weight(uint64_t shares) {
  shares = std::clamp<uint64_t>(shares, 2, 262'144);
  return std::clamp<uint64_t>((shares * 100 + 512) / 1024, 1, 10'000);
}

uint64_t cpus_to_quota_usec(double cpus) {
  double quota = std::round(cpus * static_cast<double>(kCfsPeriodUsec));
  if (!(quota >= 1000.0)) return 1000;
  return static_cast<uint64_t>(quota);
}

std::string format_io_max(const IoThrottle& throttle) {
  static constexpr const char* kKeys[] = {"rbps", "wbps", "riops", "wiops"};
  std::string line = throttle.device();
  for (int which = 0; which < 4; ++which) {
    const auto& value = throttle.*field_of(which);
    if (value) line += std::string(" ") + kKeys[which] + "=" + std::to_string(*value);
  }
  return line;
}

Result<std::pair<unsigned, unsigned>> whole_disk(unsigned major_number, unsigned minor_number,
                                                 const std::filesystem::path& sys_dev_block) {
  auto node = sys_dev_block / (std::to_string(major_number) + ":" + std::to_string(minor_number));
  std::error_code error;
  if (!std::filesystem::exists(node / "partition", error)) {
    if (!std::filesystem::exists(node, error)) {
      return Error::message("no block device " + std::to_string(major_number) + ":" +
                            std::to_string(minor_number) + " (" + node.string() + " missing)");
    }
    return std::pair{major_number, minor_number};
  }
  // /sys/dev/block/MAJ:MIN links to .../block/vda/vda1: the disk is the parent directory.
  auto resolved = std::filesystem::canonical(node, error);
  if (error) return Error::from_errno("resolve " + node.string(), error.value());
  auto dev = read_trimmed(resolved.parent_path() / "dev");
  if (!dev) return std::move(dev).error();
  auto number = parse_device_number(*dev);
  if (!number) {
    return Error::message("bad device number \"" + *dev + "\" in " +
                          (resolved.parent_path() / "dev").string());
  }
  return *number;
}

namespace {

// The device an io limit names: "rootfs" is the block device holding the container's storage.
Result<dev_t> limited_device(const spec::DeviceLimit& limit,
                             const std::filesystem::path& rootfs_device) {
  struct stat info {};
  if (limit.device != "rootfs") {
    if (::stat(limit.device.c_str(), &info) < 0) return Error::last_errno("stat " + limit.device);
    if (!S_ISBLK(info.st_mode)) return Error::message(limit.device + " is not a block device");
    return info.st_rdev;
  }
  if (::stat(rootfs_device.c_str(), &info) < 0)
    return Error::last_errno("stat " + rootfs_device.string());
  if (::major(info.st_dev) == 0) {
    return Error::message(
        "the container's storage " + rootfs_device.string() + " is not on a block device (device " +
        std::to_string(::major(info.st_dev)) + ":" + std::to_string(::minor(info.st_dev)) + ")");
  }
  return info.st_dev;
}

// The throttle of a disk, added when it has none yet.
IoThrottle& throttle_of(std::vector<IoThrottle>& throttles, std::pair<unsigned, unsigned> disk) {
  auto found = std::find_if(throttles.begin(), throttles.end(), [&](const IoThrottle& t) {
    return t.major == disk.first && t.minor == disk.second;
  });
  if (found != throttles.end()) return *found;
  return throttles.emplace_back(IoThrottle{disk.first, disk.second, {}, {}, {}, {}});
}

}  // namespace

Result<std::vector<IoThrottle>> resolve_io_throttles(const spec::Limits& limits,
                                                     const std::filesystem::path& rootfs_device,
                                                     const std::filesystem::path& sys_dev_block) {
  const std::pair<const char*, const std::vector<spec::DeviceLimit>*> keys[] = {
      {"io_read_bps", &limits.io_read_bps},
      {"io_write_bps", &limits.io_write_bps},
      {"io_read_iops", &limits.io_read_iops},
      {"io_write_iops", &limits.io_write_iops}};
  std::vector<IoThrottle> throttles;
  for (int which = 0; which < 4; ++which) {
    auto [key, device_limits] = keys[which];
    for (const auto& limit : *device_limits) {
      auto context = std::string("limits.") + key + " " + limit.device;
      auto device = limited_device(limit, rootfs_device);
      if (!device) return std::move(device).error().context(context);
      auto disk = whole_disk(::major(*device), ::minor(*device), sys_dev_block);
      if (!disk) return std::move(disk).error().context(context);
      throttle_of(throttles, *disk).*field_of(which) = limit.value;
    }
  }
  return throttles;
}

}  // namespace srcompose::cgroup
