// SPDX-License-Identifier: GPL-2.0-or-later
// The two cgroup drivers: how v1 and v2 directories are prepared and how limits become files.
// Internal to src/cgroup. Every function takes the directory it works on, so that tests can point
// it at a fake tree of regular files laid out like cgroupfs.
#pragma once

#include <chrono>
#include <filesystem>
#include <string_view>
#include <vector>

#include "cgroup/devices.hpp"
#include "cgroup/layout.hpp"
#include "cgroup/values.hpp"
#include "common/error.hpp"
#include "spec/lab.hpp"

namespace srcompose::cgroup {

// The plan's limits with io devices resolved to whole-disk device numbers.
struct ResolvedLimits {
  spec::Limits limits;  // the io_* vectors are ignored: `io` replaces them
  std::vector<IoThrottle> io;
};

namespace v1 {

// Creates the intermediate directories <mount>/srcompose and <mount>/<project_path> (existing ones
// are fine) and makes them usable by the controllers of this hierarchy: an empty cpuset.cpus or
// cpuset.mems is copied from the parent, because v1 refuses tasks in a cpuset without them.
Status prepare_ancestors(const std::filesystem::path& mount, std::string_view project_path,
                         const std::vector<Controller>& controllers);
// Writes the limits for `controllers` into the container's directory `dir` (created by the
// caller; its parent already prepared). cpuset.cpus/.mems are always written (given or inherited).
Status write_limits(const std::filesystem::path& dir, const std::vector<Controller>& controllers,
                    const ResolvedLimits& limits);
// The device allow-list: devices.deny "a", then one devices.allow line per rule. `dir` must have
// no child cgroup yet.
Status write_device_rules(const std::filesystem::path& dir, const std::vector<DeviceRule>& rules);
// freezer.state FROZEN / THAWED, waiting (bounded) until the state reads FROZEN.
Status set_frozen(const std::filesystem::path& dir, bool frozen);
// SIGKILL to every pid in `dirs` and their descendants. With a freezer directory (covering the
// same processes) they are frozen first and thawed after, so no pid can exit and be reused between
// reading it and killing it, and no fork escapes; without one a fork may escape: callers repeat
// while waiting for the cgroup to empty.
Status kill_all(const std::vector<std::filesystem::path>& dirs,
                const std::filesystem::path* freezer_dir);
// Returns once no process listed in `dirs` or below is alive any more, or at `deadline`. v1 has
// no notification for an emptied cgroup: waits on the listed processes' pidfds (poll(2)).
Status wait_for_exit(const std::vector<std::filesystem::path>& dirs,
                     std::chrono::steady_clock::time_point deadline);

}  // namespace v1

namespace v2 {

// Creates the intermediate directories and enables the controllers this hierarchy drives (those
// among cpuset, cpu, io, memory, pids) in cgroup.subtree_control of the mount's root and of every
// intermediate directory, writing only the ones not yet enabled, in one write per directory.
Status prepare_ancestors(const std::filesystem::path& mount, std::string_view project_path,
                         const std::vector<Controller>& controllers);
Status write_limits(const std::filesystem::path& dir, const std::vector<Controller>& controllers,
                    const ResolvedLimits& limits);
// The device allow-list: v2 has no devices controller, a BPF_CGROUP_DEVICE program on the
// directory does its job (attach_device_program).
inline Status write_device_rules(const std::filesystem::path& dir,
                                 const std::vector<DeviceRule>& rules) {
  return attach_device_program(dir, rules);
}
// cgroup.events "populated": true while a live process is in `dir` or below.
Result<bool> populated(const std::filesystem::path& dir);
// cgroup.kill: SIGKILL to the whole subtree at once (Linux 5.14; ENOENT before).
Status kill(const std::filesystem::path& dir);
// Returns once cgroup.events says "populated 0", or at `deadline`: poll(2) for POLLPRI on the file,
// which the kernel signals on every change (cgroup-v2.rst, "cgroup.events").
Status wait_until_unpopulated(const std::filesystem::path& dir,
                              std::chrono::steady_clock::time_point deadline);
// cgroup.freeze 1 / 0, then waits (bounded) until cgroup.events says "frozen 1" / "frozen 0".
Status set_frozen(const std::filesystem::path& dir, bool frozen);

}  // namespace v2

}  // namespace srcompose::cgroup
