// SPDX-License-Identifier: GPL-2.0-or-later
// Version-blind operations on one cgroup (a container's or a whole project's) given as its
// directory in every hierarchy: the one copy of "kill everything, wait until empty, rmdir" that
// ContainerCgroup::remove and remove_project share. Internal to src/cgroup; parent side, root.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "cgroup/layout.hpp"
#include "common/error.hpp"

namespace srcompose::cgroup {

// The placement in the hierarchy that drives `controller`, or nullptr.
const Placement* placement_of(const std::vector<Placement>& placements, Controller controller);
// The placement in the unified hierarchy, or nullptr.
const Placement* unified_placement(const std::vector<Placement>& placements);

// No live process in the cgroup or below it (v2: cgroup.events "populated 0" of the unified
// placement, which holds every process on hybrid hosts too; v1 only: every cgroup.procs empty).
// Exited-but-unreaped processes do not count.
Result<bool> cgroup_empty(const std::vector<Placement>& placements);

// SIGKILL to every process in the cgroup and below: cgroup.kill where the kernel has it (one
// atomic write, no freezing), else freeze (bounded wait), kill every listed pid, thaw. Does not
// wait for them to die.
Status kill_processes(const std::vector<Placement>& placements);

// How long remove_cgroup waits for killed processes to leave (a task stuck in D state keeps the
// cgroup busy; the removal then fails instead of hanging).
inline constexpr std::chrono::milliseconds kEmptyTimeout{1000};

// Removes the cgroup's directories (children first) in every hierarchy. An empty cgroup is removed
// right away, without freezing or killing anything; otherwise its processes are killed and the
// removal waits until they are gone, through cgroup.events (v2/hybrid) or the killed processes'
// pidfds (v1), never by polling, for at most kEmptyTimeout. rmdir is retried briefly on EBUSY
// (the kernel finishes a task's exit asynchronously). Blocks: call it off the event loop unless
// the cgroup is known to be empty. Errors name `name` and the file or step.
Status remove_cgroup(const std::vector<Placement>& placements, std::string_view name);

}  // namespace srcompose::cgroup
