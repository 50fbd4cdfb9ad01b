// SPDX-License-Identifier: GPL-2.0-or-later
// The host's cgroup layout: which hierarchies are mounted where, and which one drives each
// controller. Detected once at start; immutable afterwards.
//
// A controller is driven by exactly one hierarchy: by its v1 hierarchy when one is mounted (the
// kernel then hides it from cgroup2's cgroup.controllers), otherwise by the unified hierarchy when
// it is available there. Never half of each for one controller.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace srcompose::cgroup {

// The controllers srcompose uses. `cpuacct`, `freezer` and `devices` are v1 controllers; on the
// unified hierarchy their job is done by core files (cpu.stat, cgroup.freeze) that every cgroup2
// has, and by a BPF_CGROUP_DEVICE program.
enum class Controller { cpu, cpuacct, cpuset, memory, pids, io, freezer, devices };

inline constexpr Controller kAllControllers[] = {
    Controller::cpu,  Controller::cpuacct, Controller::cpuset,  Controller::memory,
    Controller::pids, Controller::io,      Controller::freezer, Controller::devices};

// "cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "freezer", "devices": the v1 mount option
// names.
std::string_view v1_name(Controller controller);
// "cpu", "cpuset", "memory", "pids", "io"; "" for cpuacct, freezer and devices (not cgroup2
// controllers).
std::string_view v2_name(Controller controller);
// The name used in messages ("io", "cpuacct", ...).
std::string_view display_name(Controller controller);

// Whether `controller` is in `controllers`.
bool drives(const std::vector<Controller>& controllers, Controller controller);

enum class CgroupVersion { v1, v2 };

// One mounted hierarchy that srcompose places containers in.
struct Hierarchy {
  CgroupVersion version = CgroupVersion::v1;
  std::filesystem::path mount;          // e.g. /sys/fs/cgroup/memory or /sys/fs/cgroup
  std::vector<Controller> controllers;  // the controllers this hierarchy drives (may be empty)
  // v1: the options that mount this same hierarchy again ("cpu,cpuacct", "memory", "blkio"): its
  // super options without rw/ro and release_agent. Inside a cgroup namespace the kernel mounts
  // only existing v1 hierarchies, and only when the controller list matches exactly. v2: "".
  std::string mount_options;
};

// One cgroup (a container's or a project's) in one hierarchy.
struct Placement {
  CgroupVersion version = CgroupVersion::v1;
  std::vector<Controller> controllers;  // those the hierarchy drives
  // A string, not a std::filesystem::path: a path keeps each of its components as a path of its
  // own, and a supervisor holds one placement per hierarchy (about ten on v1) per container.
  std::string dir;

  std::filesystem::path file(std::string_view name) const {
    return std::filesystem::path(dir) / name;
  }
};

struct HostLayout {
  // Layout of the host: pure v2 (`unified`), v1 only (`legacy`), or v1 controllers plus a cgroup2
  // mount (`hybrid`, as systemd's "hybrid" mode and this project's development machines).
  enum class Mode { legacy, hybrid, unified };

  // v1 hierarchies that drive at least one known controller, in mountinfo order, then the cgroup2
  // mount if there is one (always listed, even without controllers: it gives cgroup.kill,
  // cgroup.events and cgroup.freeze on hybrid hosts).
  std::vector<Hierarchy> hierarchies;

  Mode mode() const;
  // The cgroup2 hierarchy, or nullptr.
  const Hierarchy* unified() const;
  // The hierarchy that drives `controller`, or nullptr when the host lacks it.
  const Hierarchy* driver_of(Controller controller) const;
  bool has(Controller controller) const { return driver_of(controller) != nullptr; }
};

std::string_view to_string(HostLayout::Mode mode);

// What a container sees at its cgroup mount point (/sys/fs/cgroup): the child mounts these after
// unsharing its cgroup namespace, so that each is rooted at the container's own cgroup. Pure v2:
// cgroup2 itself at the mount point. v1 and hybrid: one mount per hierarchy the container is
// placed in, named as on the host ("memory", "cpu,cpuacct", "unified"), on a tmpfs, with the
// host's links for combined hierarchies ("cpu" -> "cpu,cpuacct").
struct ContainerCgroupView {
  struct Mount {
    std::string name;     // below the mount point; "" is the mount point itself
    const char* fs_type;  // "cgroup" or "cgroup2" (a literal)
    std::string options;  // Hierarchy::mount_options
    // Links to `name` beside it, as on the host: "cpu" and "cpuacct" for "cpu,cpuacct".
    std::vector<std::string> links;
  };
  std::vector<Mount> mounts;
  // Whether the mounts need a tmpfs at the mount point to hold them.
  bool needs_tmpfs() const { return mounts.size() != 1 || !mounts.front().name.empty(); }
};
ContainerCgroupView container_view(const HostLayout& host);

// Pure: builds the layout from the text of /proc/self/mountinfo and of the cgroup2 mount's
// cgroup.controllers ("" when there is no cgroup2 mount or it offers nothing).
HostLayout layout_from_mountinfo(std::string_view mountinfo, std::string_view unified_controllers);

// Reads /proc/self/mountinfo, the cgroup2 root's cgroup.controllers and /proc/filesystems. Any
// process may call it. Errors: unreadable files, or no cgroup filesystem mounted at all.
Result<HostLayout> detect_host();
// detect_host() once per process (~80 us a call: mountinfo and cgroup.controllers read and
// parsed), for callers that need the layout per container start. The first success is kept for
// the process's life (srcompose never remounts cgroups; the supervisor's copy is this one); a
// failure is not kept, so the next call detects again. Thread-safe.
Result<const HostLayout*> detect_host_once();

}  // namespace srcompose::cgroup
