// SPDX-License-Identifier: GPL-2.0-or-later
// Limit values as the cgroup files want them: conversions between the v1 and v2 scales, CPU list
// parsing, block device resolution. Internal to src/cgroup; the pure parts are unit-tested.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "spec/lab.hpp"

namespace srcompose::cgroup {

// cgroup v2 cpu.weight (1..10000, default 100) <-> v1 cpu.shares (2..262144, default 1024), by
// proportion: shares = weight * 1024 / 100 (rounded, at least 2), so that both defaults meet and a
// container without a weight equals one with weight 100 on v1 as on v2. crun and runc map the two
// ranges end to end instead (2 + (weight - 1) * 262142 / 9999), which turns weight 100 into 2597
// shares: 2.5 times a container left at the default, which breaks labs that compare the two.
// Every weight ratio is kept (up to rounding); weights above 10000 * 262144 / 102400 do not exist.
uint64_t cpu_weight_to_shares(uint64_t weight);
uint64_t cpu_shares_to_weight(uint64_t shares);

inline constexpr uint64_t kCfsPeriodUsec = 100'000;
// Quota in microseconds per kCfsPeriodUsec for `cpus` CPUs, rounded, at least the kernel's minimum
// of 1000 us (a smaller quota is refused with EINVAL).
uint64_t cpus_to_quota_usec(double cpus);

// The io limits of one block device (whole disk), resolved to its device number.
struct IoThrottle {
  unsigned major = 0;
  unsigned minor = 0;
  std::optional<uint64_t> read_bps, write_bps, read_iops, write_iops;
  std::string device() const { return std::to_string(major) + ":" + std::to_string(minor); }
};

// v2 io.max line for one device: "254:0 rbps=1048576 wbps=1048576 riops=max wiops=max" with only
// the keys that are set ("254:0 rbps=1048576").
std::string format_io_max(const IoThrottle& throttle);

// Resolves every io_* limit's device to the whole disk's MAJ:MIN, merging limits of one device.
// A device path must be a block device (its st_rdev); "rootfs" means the st_dev of
// `rootfs_device` (the container's storage directory). A partition maps to its disk, because
// the kernel throttles only whole disks (blkcg_conf_open_bdev refuses partitions with ENODEV).
// `sys_dev_block` is /sys/dev/block, a parameter for tests. Errors name the key and device.
Result<std::vector<IoThrottle>> resolve_io_throttles(
    const spec::Limits& limits, const std::filesystem::path& rootfs_device,
    const std::filesystem::path& sys_dev_block = "/sys/dev/block");

// MAJ:MIN of the whole disk holding `major:minor` (itself when it is not a partition), read from
// <sys_dev_block>/MAJ:MIN/partition and the parent directory's `dev` file.
Result<std::pair<unsigned, unsigned>> whole_disk(unsigned major, unsigned minor,
                                                 const std::filesystem::path& sys_dev_block);

}  // namespace srcompose::cgroup
