// SPDX-License-Identifier: GPL-2.0-or-later
// Pseudo-terminals for `exec -t`, taken from the container's own devpts instance (its /dev/pts is
// mounted newinstance), never the host's: the process inside sees /dev/pts/N of its own /dev, and
// nothing of the host's terminals is reachable through it.
#pragma once

#include <sys/types.h>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace srcompose::runtime {

struct ContainerPty {
  UniqueFd master;  // stays with the caller (the relay)
  UniqueFd slave;   // becomes 0/1/2 and the controlling terminal of the process
};

// Parent side, root. Opens <the init's root>/dev/pts/ptmx beneath /proc/PID/root with
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so a symlink the container planted resolves
// inside it; refuses anything but a ptmx character device; checks through `init_pidfd` that the pid
// was still the container's init after the open; unlocks the pty and opens its slave from the
// master (TIOCGPTPEER: no path to race). Errors name the step and the path.
Result<ContainerPty> open_container_pty(int init_pidfd);

}  // namespace srcompose::runtime
