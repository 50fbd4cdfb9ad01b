// SPDX-License-Identifier: GPL-2.0-or-later
// Child side of the mount namespace: the operations of ChildConfig::mounts, done inside the new
// root before pivot_root. Async-signal-safe, no allocation: paths are built in stack buffers.
#pragma once

#include "runtime/child_config.hpp"
#include "runtime/sync.hpp"

namespace srcompose::runtime {

// Makes every mount of the (copied) tree private, so nothing done here propagates to the host, then
// stacks the new root (`root_fd`, a detached mount from the parent) over "/" and makes it the
// working directory. Returns 0 or errno.
int attach_root(int root_fd);

// Performs one operation with targets resolved inside `root_fd` (or beneath an anchor, see
// MountOp::anchor). `fds` are those of `go`; `anchors` (kMaxMountAnchors entries, -1 when unset)
// holds the anchor mounts' fds, set by the filesystem ops that make them. On failure returns errno
// and stores the failing step in *step.
int apply_mount_op(const ChildConfig& config, const MountOp& op, int root_fd, const int* fds,
                   size_t fd_count, int* anchors, Step* step);

// pivot_root into the current directory (the new root) and detach the old root. Returns 0 or errno
// and stores the failing step in *step.
int enter_root(Step* step);

}  // namespace srcompose::runtime
