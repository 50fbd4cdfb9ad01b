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

// No live process in the cgroup or below it, asked of one placement (they all hold the same
// processes): the one whose kernel keeps a populated flag (cgroup.events, on hybrid hosts too)
// when there is one. Exited-but-unreaped processes do not count.
Result<bool> cgroup_empty(const std::vector<Placement>& placements);

// SIGKILL to every process in the cgroup and below: in one step where a hierarchy can (cgroup.kill,
// no freezing; a paused container's freezer is thawed so that its tasks can die), else freeze
// (bounded wait), kill every listed pid, thaw. Does not wait for them to die.
Status kill_processes(const std::vector<Placement>& placements);

// How long remove_cgroup waits for killed processes to leave (a task stuck in D state keeps the
// cgroup busy; the removal then fails instead of hanging).
inline constexpr std::chrono::milliseconds kEmptyTimeout{1000};

// Removes the cgroup's directories (children first) in every hierarchy. An empty cgroup is removed
// right away, without freezing or killing anything; otherwise its processes are killed and the
// removal waits until they are gone through the driver's wait_until_empty (kernel notifications,
// no sleeping poll loop), for at most kEmptyTimeout. rmdir is retried briefly on EBUSY
// (the kernel finishes a task's exit asynchronously). Blocks: call it off the event loop unless
// the cgroup is known to be empty. Errors name `name` and the file or step.
Status remove_cgroup(const std::vector<Placement>& placements, std::string_view name);

}  // namespace srcompose::cgroup
