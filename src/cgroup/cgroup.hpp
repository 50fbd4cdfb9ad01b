// SPDX-License-Identifier: GPL-2.0-or-later
// Container cgroups on cgroup v1, v2 and hybrid hosts behind one interface.
//
// Every container lives in <hierarchy>/srcompose/<project>/<container> of every hierarchy srcompose
// drives (layout.hpp): the v1 hierarchies of the controllers mounted as v1, and the unified one.
// On hybrid hosts the container is also placed in the (controller-less) unified hierarchy, which
// gives cgroup.kill and cgroup.events "populated" there too. Cgroups are always created below the
// hierarchy's root, never below the supervisor's own cgroup: the supervisor is never inside a
// container's cgroup. All functions here are parent side and need root unless said otherwise.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "cgroup/layout.hpp"
#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "plan/cgroup.hpp"

namespace srcompose::cgroup {

// Accounting of one container, read from its cgroup. A value the host cannot provide (controller
// absent) reads 0.
struct Stats {
  uint64_t memory_current = 0;
  uint64_t memory_peak = 0;   // v1: memory.max_usage_in_bytes
  uint64_t memory_limit = 0;  // 0: none
  uint64_t cpu_user_usec = 0;
  uint64_t cpu_system_usec = 0;
  uint64_t pids_current = 0;
  uint64_t pids_peak = 0;        // v1: pids.peak (kernel >= 6.x); 0 on kernels without it
  uint64_t pids_limit_hits = 0;  // forks refused by the pids limit: pids.events "max" (v1 and v2)
  uint64_t io_read_bytes = 0;
  uint64_t io_write_bytes = 0;
  uint64_t io_read_ops = 0;
  uint64_t io_write_ops = 0;
  uint64_t oom_kills = 0;
};

// A file descriptor that becomes readable when an OOM event MAY have happened in a container's
// cgroup: v2 an inotify watch (IN_MODIFY) on memory.events, v1 an eventfd registered through
// cgroup.event_control on memory.oom_control (the kernel also signals it once when the cgroup is
// removed). Non-blocking, close-on-exec; owns its fds. Use it on an event loop: when readable,
// drain() and then compare ContainerCgroup::oom_kill_count().
class OomWatch {
 public:
  OomWatch() = default;
  OomWatch(UniqueFd notify, UniqueFd control)
      : fd_(std::move(notify)), control_(std::move(control)) {}
  int fd() const { return fd_.get(); }
  // Consumes pending notifications so that the fd is no longer readable. Never blocks.
  void drain();

 private:
  UniqueFd fd_;       // eventfd (v1) or inotify (v2)
  UniqueFd control_;  // v1: the memory.oom_control fd the eventfd was registered with
};

// How a new process enters a container's cgroups without the kernel's global lock. A move
// written to cgroup.procs takes cgroup_threadgroup_rwsem for writing: its first writer after a
// quiet spell waits a whole RCU grace period (6-25 ms here), holding cgroup_mutex, which every
// other container's cgroup mkdir then waits for as well. Two ways in take no such lock:
// - cgroup2: clone3's CLONE_INTO_CGROUP places the child there at its birth;
// - v1: a single-threaded process writes "0" to a hierarchy's `tasks` file: moving only the calling
//   thread needs no threadgroup lock (kernel/cgroup/cgroup.c, cgroup_procs_write_start).
// v1 checks the credentials of the file's opener, so the child may write into fds opened here by
// root even once it is in its user namespace. The parent still writes the pid into the placements
// in `by_parent`: a cgroup2 cgroup that has had cgroup.kill written (a restart), into which some
// kernels (6.18.44) kill a child cloned at its birth.
struct Entry {
  UniqueFd clone_into;                 // a cgroup2 directory (O_PATH), or none
  std::vector<UniqueFd> tasks;         // v1 `tasks` files (O_WRONLY)
  std::vector<std::string> by_parent;  // cgroup.procs files for attach_by_parent()
};

// The owner of one container's cgroup directories. Destruction kills everything inside and removes
// the directories, unless release()d or remove()d already.
class ContainerCgroup {
 public:
  ContainerCgroup(ContainerCgroup&& other) noexcept;
  // NOLINTNEXTLINE(bugprone-exception-escape): see the definition
  ContainerCgroup& operator=(ContainerCgroup&& other) noexcept;
  ContainerCgroup(const ContainerCgroup&) = delete;
  ContainerCgroup& operator=(const ContainerCgroup&) = delete;
  ~ContainerCgroup();  // NOLINT(bugprone-exception-escape): see the definition

  // Parent side, root. Creates plan.path in every hierarchy the host has (enabling controllers in
  // the ancestors' cgroup.subtree_control on v2, filling v1 cpusets), then writes plan.limits and
  // the device allow-list (v1 devices controller, v2 BPF program; both on hybrid hosts).
  // `rootfs_device` is what the io limits' "rootfs" means: a path on the container's storage (its
  // st_dev is the block device; a partition maps to its whole disk). A leftover empty directory
  // of the same name (a crash) is replaced; a populated one is an error. On error everything
  // created is removed again. Errors name the file and value: "write /sys/fs/cgroup/memory/
  // srcompose/lab/web/memory.limit_in_bytes = 67108864: Invalid argument".
  static Result<ContainerCgroup> create(const HostLayout& host, const plan::CgroupPlan& plan,
                                        const std::filesystem::path& rootfs_device);

  // Parent side: moves `pid` into the cgroup in every hierarchy. Call before the child runs on
  // (it waits on the sync channel), so that no process of the container ever escapes accounting.
  Status attach(pid_t pid) const;
  // Parent side: the way in for a new init (Entry). The child writes "0" to `tasks` before
  // anything else; attach_by_parent(pid, entry) does the rest before it runs on.
  Result<Entry> open_entry() const;
  static Status attach_by_parent(pid_t pid, const Entry& entry);
  // The cgroup.procs files, one per hierarchy (for `exec` to join the container).
  std::vector<std::filesystem::path> procs_files() const;
  // "srcompose/<project>/<container>", for display.
  const std::string& relative_path() const { return relative_path_; }

  // Pause / unpause: v1 freezer.state, else v2 cgroup.freeze; both wait (bounded, ~1 s) until the
  // kernel reports the state reached. An error when the host has no freezer at all.
  Status freeze() const;
  Status thaw() const;
  // Sends SIGKILL to every process in the cgroup and its descendants: v2 (also hybrid's unified
  // hierarchy) cgroup.kill; on pure v1, freeze, kill every listed pid, thaw (frozen tasks cannot
  // fork or exit, so no pid is reused meanwhile). Does not wait for them to die.
  Status kill_all();
  Result<Stats> stats() const;
  // OOM kills in this cgroup: v2 memory.events oom_kill, v1 memory.oom_control oom_kill. Read it
  // after the container's exit and before remove() to decide whether it died of OOM.
  Result<uint64_t> oom_kill_count() const;
  // No live process in the cgroup (v2/hybrid: cgroup.events populated 0; v1: every cgroup.procs
  // empty). Exited-but-unreaped processes do not count.
  Result<bool> empty() const;
  Result<OomWatch> watch_oom() const;

  // Removes the directories (children first) in every hierarchy: at once when no process is left,
  // else after killing them and waiting (through the kernel's notifications, at most ~1 s) until
  // they are gone. Blocks: the supervisor calls it on its blocking pool. Idempotent. The project
  // directory is left for remove_project.
  Status remove();
  // Keeps the directories on destruction (e.g. handed over to a restarted supervisor).
  void release() { owns_ = false; }

 private:
  ContainerCgroup() = default;
  // The device allow-list (cgroup/devices.hpp) in every hierarchy that can enforce it.
  Status restrict_devices() const;
  Status set_frozen(bool frozen) const;

  std::string relative_path_;
  std::vector<Placement> placements_;
  bool owns_ = false;
  bool killed_ = false;  // kill_all() was called: cgroup.kill written on v2 (Entry)
};

// Crash cleanup and `down`: removes all the directories of srcompose/<project> in every hierarchy,
// children first. srcompose/ itself, shared by every project, is kept. An empty project (the usual
// case: each container removed its own cgroup) goes without freezing or killing anything, so this
// does not block then; processes still in it are killed and waited for (bounded, ~1 s, through the
// kernel's notifications). A missing project is fine.
Status remove_project(const HostLayout& host, std::string_view project);

// Creates nothing, touches no cgroup: validates the plan's limits against this host before
// anything starts. CPUs and memory nodes of the cpuset must be online (/sys/devices/system/cpu/
// online, /sys/devices/system/node/online), io devices must be block devices (and "rootfs" must
// be on one), each limit's controller must be available, memory_swap needs memory and must not be
// smaller. Errors name the container and the key: "container web: limits.cpuset: CPU 7 does not
// exist on this host (online: 0-1)". Any user may call it.
Status check_limits(const HostLayout& host, const plan::CgroupPlan& plan,
                    const std::filesystem::path& rootfs_device);

}  // namespace srcompose::cgroup
