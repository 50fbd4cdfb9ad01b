// SPDX-License-Identifier: GPL-2.0-or-later
// Parent side of the rootfs: the read-only image and the container's writable layer.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "plan/rootfs.hpp"
#include "plan/userns.hpp"

namespace srcompose::rootfs {

// What the child assembles into its root: overlay(lower = image, upper, work).
struct PreparedRootfs {
  std::filesystem::path image;  // read-only lower layer (the source directory or a cached image)
  std::filesystem::path upper;  // <layer_dir>/upper, owned by the container's root on the host
  std::filesystem::path work;   // <layer_dir>/work
  // The layer is emptied before every start and removed by `down` (not `persist`): nothing in it
  // must survive a crash, so the overlay is mounted `volatile` and never syncs it (see
  // runtime/parent_mounts.cpp).
  bool throwaway = false;
  // Things unpacking the image skipped ("skipped device node dev/null"), for the caller to log;
  // only filled by the call that unpacked the image, empty when it came from the cache.
  std::vector<std::string> notes;
};

// Parent side, needs root. Ensures the image exists (a directory as is; a tarball unpacked once
// with libarchive into <image_cache_dir>/sha256-<digest of the file>; builtin:busybox built once
// from /bin/busybox into <image_cache_dir>/builtin-busybox-<digest of the binary>), each made in a
// temporary directory and renamed into place so a crash never leaves a half image. Creates the
// writable layer fresh (emptied unless `persist`), owned by
// userns.root_uid_on_host/root_gid_on_host, and writes `files` into upper/ with that ownership.
// Never writes into the image.
Result<PreparedRootfs> prepare(const plan::RootfsPlan& plan, const plan::UsernsPlan& userns,
                               const std::vector<plan::FileToWrite>& files = {});

// Before a throwaway layer is mounted again (a restart keeps the layer): removes the mark its
// earlier volatile mount left, work/work/incompat/volatile, with which overlayfs refuses the next
// mount (EINVAL) lest a crash have left the layer half written. No crash came in between: one
// would have ended the supervisor too, and the next `up` empties the layer. Absent is fine.
Status clear_volatile_mark(const PreparedRootfs& rootfs);

// Removes <layer_dir> unless plan.persist, and its project directory once empty. Idempotent. Never
// follows a symlink the container made.
Status remove_layer(const plan::RootfsPlan& plan);
// Crash cleanup: removes <storage>/containers/<project> whole (persistent layers kept when
// keep_persistent: prepare() marks a persistent layer with <layer_dir>/persist). Idempotent.
Status remove_project_layers(const std::filesystem::path& storage_dir, std::string_view project,
                             bool keep_persistent);

// A user resolved against the container's own /etc/passwd and /etc/group (upper layer first, then
// the image), parsed by srcompose itself: libc's NSS would load code from the container into the
// host.
struct ResolvedUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> supplementary_groups;
  std::string home;  // "/" when unknown
};

// `spec` is "uid", "uid:gid", "name", "name:group" (numbers need no passwd entry).
Result<ResolvedUser> resolve_user(const PreparedRootfs& rootfs, std::string_view spec);

}  // namespace srcompose::rootfs
