// SPDX-License-Identifier: GPL-2.0-or-later
// How the plan's namespace set is made: the one place that turns plan::NamespaceSet into the
// flags of clone3, of the child's unshares and of exec's setns. Pure.
#pragma once

#include <cstdint>

#include "plan/namespaces.hpp"

namespace srcompose::runtime {

struct NamespaceFlags {
  // clone3 of the init: every namespace of the set but cgroup and time (CLONE_NEW* bits).
  uint64_t clone = 0;
  // The child unshares its cgroup namespace itself, after the parent placed it in its cgroup (the
  // start hook), so that the namespace's root is the container's own cgroup.
  bool child_unshares_cgroup = false;
  // The child unshares its time namespace itself: the offsets can only be written before any
  // process entered it, and the namespace's first member is the workload (via fork).
  bool child_unshares_time = false;
  // exec: setns through the init's pidfd (CLONE_NEW* bits). Never the time namespace: the
  // init's own is the host's; the workload's is joined separately (exec_joins_time).
  uint64_t exec_setns = 0;
  // exec: join the init's time namespace for children (/proc/PID/ns/time_for_children).
  bool exec_joins_time = false;
};

NamespaceFlags namespace_flags(const plan::NamespaceSet& set);

}  // namespace srcompose::runtime
