// SPDX-License-Identifier: GPL-2.0-or-later
// Child side of start_container: the ordered steps between clone3 and the built-in init.
#pragma once

#include <array>
#include <cstddef>

#include "runtime/child_config.hpp"

namespace srcompose::runtime {

// More v1 hierarchies than any kernel has controllers.
inline constexpr size_t kMaxCgroupTasksFds = 16;

// The fds the child inherits from the parent (numbers in the parent, all >= 3), and the cgroup it
// is cloned into.
struct ChildFds {
  int sync = -1;
  int dev_null = -1;
  int stdout_write = -1;
  int stderr_write = -1;
  int end_report = -1;  // write end of the pipe on which the init reports the workload's end
  // The container's cgroups as cgroup::Entry opened them (see there why): a cgroup2 directory the
  // child is cloned into (CLONE_INTO_CGROUP), or -1; v1 `tasks` files the child writes "0" to
  // before anything else, moving itself.
  int clone_into_cgroup = -1;
  std::array<int, kMaxCgroupTasksFds> cgroup_tasks{};
  size_t cgroup_tasks_count = 0;
};

// Runs in the child right after clone3, with every signal blocked. Never returns: it becomes the
// init, or reports the failed step on the sync socket and _exits.
[[noreturn]] void run_container_child(const ChildConfig& config, ChildFds fds);

}  // namespace srcompose::runtime
