// SPDX-License-Identifier: GPL-2.0-or-later
// Directory-fd helpers of the rootfs module. Everything below a storage directory is reached
// through an fd opened O_NOFOLLOW, never by concatenating strings: a persistent writable layer is
// written by the container, so any name in it may have become a symlink to a host path.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace srcompose::rootfs::fs {

struct DirectoryEntry {
  std::string name;
  bool directory = false;  // d_type, or fstatat when the filesystem does not fill it in
};
// The entries of the directory `dir_fd` (without . and ..), read from its start through a dup of
// the fd (the caller's offset is left alone).
Result<std::vector<DirectoryEntry>> list_directory(int dir_fd);

// Creates every missing component of `path` (a trusted host path: storage dirs from the lab file)
// with `mode`, leaving existing ones alone, and opens it O_DIRECTORY.
Result<UniqueFd> make_directory_path(const std::filesystem::path& path, mode_t mode);

// Asks the filesystem to spread the directories made in `dir_fd` over its block groups
// (FS_TOPDIR_FL, `chattr +T`: ext2/3/4's Orlov allocator then treats each like a top-level
// directory). Best effort: a filesystem without the flag (tmpfs, XFS, Btrfs) refuses it and
// nothing changes there. Returns whether the flag is set now.
bool spread_subdirectories(int dir_fd);

// Opens the directory `name` in `dir_fd` without following a symlink (ELOOP/ENOTDIR otherwise).
Result<UniqueFd> open_directory_at(int dir_fd, const std::string& name);

// mkdirat (an existing directory is fine), then opens it without following symlinks and sets its
// owner and mode: the result is exactly `mode`, owned by uid:gid, whatever existed before.
Result<UniqueFd> make_directory_at(int dir_fd, const std::string& name, mode_t mode, uid_t uid,
                                   gid_t gid);

// Removes `name` in `dir_fd` and everything below it without ever following a symlink. Absent is
// fine. Holds at most three fds whatever the depth, so a hostile deep tree cannot exhaust fds or
// stack; refuses to continue if a directory is moved while it works.
Status remove_tree_at(int dir_fd, const std::string& name);
// Same for a host path (its parent is opened normally).
Status remove_tree(const std::filesystem::path& path);

// Reads the file at `path` (relative) under `root_fd` with openat2(RESOLVE_IN_ROOT): symlinks,
// absolute ones included, resolve inside the root, so an image cannot point us at a host file.
// nullopt when it does not exist or is an overlayfs whiteout. Anything but a regular file is
// refused without being opened for reading (a FIFO cannot hang us); files above `max_size` are
// refused.
Result<std::optional<std::string>> read_file_in_root(int root_fd, const std::string& path,
                                                     size_t max_size);

}  // namespace srcompose::rootfs::fs
