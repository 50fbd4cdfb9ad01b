// SPDX-License-Identifier: GPL-2.0-or-later
// RLIMIT_NOFILE of a supervisor. It holds about a dozen descriptors per container (pidfds, the
// output pipes, eventfds, the network namespace), so under the soft limit most shells and services
// start with, 1024, a lab of some 90 containers failed with EMFILE. The supervisor raises its soft
// limit to the hard one; the launcher, and so every container and exec helper it clones, gets the
// limits srcompose was started with back: what a container sees does not change.
#pragma once

#include <sys/types.h>

#include "common/error.hpp"

namespace srcompose::sys {

// Called early in main(): notes the limits srcompose was started with.
void note_open_files_limit();

// The calling process's soft limit up to its hard limit.
Status raise_open_files_limit();

// Gives `child` (a process of ours, just started) the limits noted at start.
Status restore_open_files_limit(pid_t child);

}  // namespace srcompose::sys
