// SPDX-License-Identifier: GPL-2.0-or-later
// Parent side of the mount namespace: the mounts that need the host's view or host root's rights,
// made as detached mounts (open_tree/fsmount) and passed to the child as fds. A detached mount is
// in no namespace: until the child attaches it, closing the fd frees it, so nothing ever shows on
// the host.
#pragma once

#include <vector>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "plan/rootfs.hpp"
#include "plan/userns.hpp"
#include "rootfs/prepare.hpp"

namespace srcompose::runtime {

struct BindSources {
  std::vector<UniqueFd> fds;  // one detached bind mount per bind step, in plan order
  std::vector<bool> is_file;  // its source is not a directory: the target is created as a file
};

// Clones every bind source of the plan (recursively) with the step's attributes (read-only, nosuid,
// nodev, noexec) already set, and `idmap` steps idmapped so that the source's owner is the
// container's root (`userns`). Errors name the container path: "mount /data: open_tree /srv/x:
// ...".
Result<BindSources> open_bind_sources(const plan::RootfsPlan& plan, const plan::UsernsPlan& userns);

// The container's root: overlayfs with lower = the image (a detached clone of it, idmapped to
// `userns_fd` unless that is -1), upper and work from `rootfs`, made by host root, returned as a
// detached mount. nodev: device nodes shipped in an image never open. The lower layer is passed
// the way sys::kernel_features() allows.
Result<UniqueFd> make_root_mount(const rootfs::PreparedRootfs& rootfs, int userns_fd);

// How the idmapped image reaches overlayfs: as an fd ("lowerdir+", Linux 6.13+), or attached at a
// path inside a throwaway private mount namespace (the fallback, any kernel from 5.19). Both give
// the same mount; the two-argument form picks by feature probe, tests pick explicitly.
enum class LowerLayer { by_fd, by_private_path };
Result<UniqueFd> make_root_mount(const rootfs::PreparedRootfs& rootfs, int userns_fd,
                                 LowerLayer how);

}  // namespace srcompose::runtime
