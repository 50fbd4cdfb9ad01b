// SPDX-License-Identifier: GPL-2.0-or-later
// Child side of start_container: the ordered steps between clone3 and the built-in init.
#pragma once

#include "runtime/child_config.hpp"

namespace srcompose::runtime {

// The fds the child inherits from the parent (numbers in the parent, all >= 3).
struct ChildFds {
  int sync = -1;
  int dev_null = -1;
  int stdout_write = -1;
  int stderr_write = -1;
  int end_report = -1;  // write end of the pipe on which the init reports the workload's end
};

// Runs in the child right after clone3, with every signal blocked. Never returns: it becomes the
// init, or reports the failed step on the sync socket and _exits.
[[noreturn]] void run_container_child(const ChildConfig& config, ChildFds fds);

}  // namespace srcompose::runtime
