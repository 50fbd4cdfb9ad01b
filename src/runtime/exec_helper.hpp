// SPDX-License-Identifier: GPL-2.0-or-later
// The exec helper: the process that joins a running container and forks the exec'd process into
// it (runtime/exec.cpp). The CLI's `exec` clones it from itself; the supervisor has its launcher
// clone it (runtime/launcher.hpp), so that nothing forked from the supervisor enters a container.
#pragma once

#include <cstddef>

#include "runtime/child_config.hpp"

namespace srcompose::runtime {

// What the helper needs, as plain fd numbers it inherits (all above stdio and kSyncFd).
struct ExecHelper {
  const WorkloadConfig* workload = nullptr;
  int sync = -1;
  int stdio[3] = {-1, -1, -1};
  int init_pidfd = -1;
  int time_namespace = -1;            // -1: the time namespace is not joined
  const int* cgroup_procs = nullptr;  // cgroup.procs or v1 `tasks` files, "0" written to each
  size_t cgroup_procs_count = 0;
  int namespaces = 0;  // CLONE_NEW* for setns
};

// The child's side after the clone: host root entering the container. Reports on `helper.sync`
// (the exec'd process's pidfd, or the failed step) and exits; never returns. No allocation.
[[noreturn]] void run_exec_helper(const ExecHelper& helper);

}  // namespace srcompose::runtime
