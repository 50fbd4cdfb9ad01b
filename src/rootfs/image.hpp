// SPDX-License-Identifier: GPL-2.0-or-later
// Read-only images: a directory used as is, a tarball unpacked once into the cache, or the built-in
// busybox image. Internal to the rootfs module (prepare() is the public entry point).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "spec/lab.hpp"

namespace srcompose::rootfs {

// The host's statically linked busybox (Debian's busybox-static).
inline constexpr const char* kHostBusybox = "/bin/busybox";

struct Image {
  std::filesystem::path directory;
  std::vector<std::string> notes;  // what unpacking skipped (device nodes ...); empty when cached
};

// Removes the ".tmp-*" directories that crashed builds left in `cache_directory`, when no build
// runs (every build holds an flock on the cache directory shared; this takes it exclusively or
// does nothing). Called before every build and by `down`. A missing cache is fine.
Status remove_stale_builds(const std::filesystem::path& cache_directory);

// What the image of `source` is, for the lab's fingerprint, without building anything: a tarball
// "sha256:<digest of the file>", the built-in busybox "builtin:busybox sha256:<digest of the host's
// binary>", a directory "directory:<path>" (its content is not hashed: a tree may be large, and it
// is the teacher's own). Any user who can read the file. The digests are remembered in
// `cache_directory` (digest_memo.hpp) where the caller may write.
Result<std::string> image_identity(const spec::Rootfs& source,
                                   const std::filesystem::path& cache_directory);

// Parent side, needs root. Returns the image directory for `source`, building it in
// `cache_directory` when missing (in a ".tmp-" directory renamed into place: a crash never leaves a
// half image, and of two concurrent builders the loser just discards its copy).
Result<Image> ensure_image(const spec::Rootfs& source,
                           const std::filesystem::path& cache_directory);

// Creates or opens <storage>/images or <storage>/containers (`directory`) and the storage root,
// both exactly 0700 and root's (see storage.cpp for why). Refuses either when it belongs to another
// user or is writable by others; a looser mode that only lets others read is tightened.
Result<UniqueFd> make_private_storage_dir(const std::filesystem::path& directory);

// Unpacks the tarball read from `tar_fd` into the empty directory `destination` in a forked child
// (so the working directory change never touches the supervisor), with libarchive's
// SECURE_SYMLINKS, SECURE_NODOTDOT and SECURE_NOABSOLUTEPATHS, keeping numeric owners, permissions,
// times, ACLs and xattrs. An entry that would escape `destination` fails the whole image. Device
// nodes are skipped and reported in `notes`.
Status extract_tarball(int tar_fd, const std::filesystem::path& destination,
                       std::vector<std::string>& notes);

// Fills the empty directory `destination` with the busybox image: bin/busybox copied from
// `busybox_fd`, one relative symlink per applet (bin/sh -> busybox), the usual directories, and
// etc/passwd and etc/group with root and nobody. Everything owned by 0:0 (the image is idmapped by
// the runtime).
Status build_busybox_image(int busybox_fd, const std::filesystem::path& destination);

}  // namespace srcompose::rootfs
