// SPDX-License-Identifier: GPL-2.0-or-later
// The cgroup driver interface: everything that differs between a v1 hierarchy and the unified (v2)
// one, behind one table of functions (as crun's cgroup backends). The rest of src/cgroup, and
// everything outside it, is version-blind: it asks driver_for(placement.version) and never
// branches on the version itself. Internal to src/cgroup. Every function takes the directory it
// works on, so that tests can point it at a fake tree of regular files laid out like cgroupfs.
// Parent side; writes need root.
#pragma once

#include <chrono>
#include <filesystem>
#include <string_view>
#include <vector>

#include "cgroup/cgroup.hpp"
#include "cgroup/devices.hpp"
#include "cgroup/files.hpp"
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

class Driver {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  Driver() = default;
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;
  virtual ~Driver() = default;

  // Creates the intermediate directories <mount>/srcompose and <mount>/<project_path> (existing
  // ones are fine) and makes them usable by `controllers`: v1 fills an empty cpuset.cpus/.mems
  // from the parent (v1 refuses tasks in a cpuset without them); v2 enables the controllers in
  // cgroup.subtree_control of the mount's root and every intermediate directory, writing only the
  // ones not yet enabled, in one write per directory.
  virtual Status prepare_ancestors(const std::filesystem::path& mount,
                                   std::string_view project_path,
                                   const std::vector<Controller>& controllers) const = 0;
  // Writes the limits for `controllers` into the container's directory `dir` (created by the
  // caller; its parent already prepared). v1 always writes cpuset.cpus/.mems (given or inherited).
  Status write_limits(const std::filesystem::path& dir, const std::vector<Controller>& controllers,
                      const ResolvedLimits& limits) const;
  // The device allow-list in `dir`, when this hierarchy can enforce one: v1 when it drives the
  // devices controller (devices.deny "a", then a devices.allow line per rule; `dir` must have no
  // child yet), v2 always (a BPF_CGROUP_DEVICE program). Returns whether it did.
  virtual Result<bool> restrict_devices(const Placement& placement,
                                        const std::vector<DeviceRule>& rules) const = 0;

  // Freezes or thaws (v1 freezer.state, v2 cgroup.freeze) and waits (bounded, ~1 s) until the
  // kernel reports the state reached: v2 through cgroup.events' notification, v1 (which has none)
  // by reading freezer.state every 5 ms. Blocks: not for the event loop.
  virtual Status set_frozen(const std::filesystem::path& dir, bool frozen) const = 0;
  // Makes tasks frozen in `dir` act on a pending SIGKILL: v1 thaws when frozen (a frozen task
  // sleeps through SIGKILL); v2 has nothing to do (a fatal signal ends a frozen task).
  virtual Status let_frozen_die(const std::filesystem::path& dir) const = 0;
  // SIGKILL to every process in `dir` and below in one step, when the hierarchy can (v2
  // cgroup.kill, Linux 5.14). False when it cannot: the caller kills the listed pids instead.
  virtual Result<bool> kill_subtree(const std::filesystem::path& dir) const = 0;

  // Whether the kernel keeps a populated flag with change notifications for a whole subtree
  // (v2 cgroup.events), which makes this hierarchy the cheapest to ask and to wait on.
  virtual bool tracks_population() const = 0;
  // A live process in `dir` or below (v2 cgroup.events "populated"; v1 every cgroup.procs below).
  // Exited-but-unreaped processes do not count.
  virtual Result<bool> populated(const std::filesystem::path& dir) const = 0;
  // Returns once no live process is in `dir` or below, or at `deadline` (the caller checks again):
  // v2 poll(2) for POLLPRI on cgroup.events, which the kernel signals on every change; v1 has no
  // notification for an emptied cgroup: poll(2) on the pidfds of the processes listed now.
  virtual Status wait_until_empty(const std::filesystem::path& dir, Deadline deadline) const = 0;

  // The memory and CPU accounting of `dir` into `stats` (memory without the OOM count).
  virtual Status read_memory(const std::filesystem::path& dir, Stats& stats) const = 0;
  virtual Status read_cpu(const std::filesystem::path& dir, Stats& stats) const = 0;
  // Bytes and operations read and written, summed over devices.
  virtual Result<IoCounters> read_io(const std::filesystem::path& dir) const = 0;
  // OOM kills so far: v1 memory.oom_control "oom_kill", v2 memory.events "oom_kill".
  virtual Result<uint64_t> oom_kill_count(const std::filesystem::path& dir) const = 0;
  // A readable fd on possible OOM events (see OomWatch): v2 inotify on memory.events, v1 an
  // eventfd registered through cgroup.event_control.
  virtual Result<OomWatch> watch_oom(const std::filesystem::path& dir) const = 0;

 protected:
  virtual Status write_memory(const std::filesystem::path& dir,
                              const spec::Limits& limits) const = 0;
  virtual Status write_cpu(const std::filesystem::path& dir, const spec::Limits& limits) const = 0;
  virtual Status write_cpuset(const std::filesystem::path& dir,
                              const spec::Limits& limits) const = 0;
  virtual Status write_io(const std::filesystem::path& dir,
                          const std::vector<IoThrottle>& throttles) const = 0;
};

// The driver of a hierarchy of that version. Lives as long as the program.
const Driver& driver_for(CgroupVersion version);
inline const Driver& driver_for(const Placement& placement) {
  return driver_for(placement.version);
}

// The two drivers, for driver_for.
const Driver& v1_driver();
const Driver& v2_driver();

}  // namespace srcompose::cgroup
