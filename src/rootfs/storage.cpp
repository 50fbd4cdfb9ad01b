// SPDX-License-Identifier: GPL-2.0-or-later
// The storage root and its images/ and containers/: private to root (issue 10 item 2).
//
// Images keep what their tarball says: setuid and setgid bits, file capabilities, world-writable
// directories (a distribution's /tmp, its su and mount). Inside a container they are harmless:
// no_new_privs makes execve ignore set-id bits and file capabilities. On the host they would hand
// any local user a setuid-root binary chosen by the image's author, and any user could plant files
// in a shared image or read another container's upper/. We close the host side the way docker and
// podman do, by making the storage unreachable for anyone but root (0700 on the storage root,
// images/ and containers/), rather than by rewriting images: stripping the bits would change what
// the workload sees (`ls -l`, `stat`, a grader checking a student's chmod) and would not protect a
// writable layer, where root in an `idmap = "host"` container can make any setuid-root file it
// likes. The overlay is mounted by the parent as host root, so nothing needs the container's uid to
// traverse these directories.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "rootfs/fs.hpp"
#include "rootfs/image.hpp"

namespace srcompose::rootfs {
namespace {

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & 07777);  // mode_t: unsigned int, as %o takes
  return text;
}

// Root's, and not writable by anyone else. Readable or traversable by others is only tightened: old
// versions made these 0755. Writable by others or owned by another user is refused: someone may
// have planted an image or swapped a directory, and nothing in it can be trusted any more.
Status check_trustworthy(int fd, const std::string& what) {
  struct stat status {};
  if (::fstat(fd, &status) < 0) return Error::last_errno("fstat " + what);
  if (status.st_uid != 0) {
    return Error::message(what + " belongs to uid " + std::to_string(status.st_uid) +
                          ", not root: refused (nothing in it can be trusted; remove it)");
  }
  if (status.st_mode & (S_IWGRP | S_IWOTH)) {
    return Error::message(what + " is writable by other users (mode " + octal_mode(status.st_mode) +
                          "): refused (nothing in it can be trusted; remove it)");
  }
  return {};
}

Result<UniqueFd> open_private_at(int dir_fd, const std::string& name, const std::string& what) {
  if (::mkdirat(dir_fd, name.c_str(), 0700) < 0 && errno != EEXIST)
    return Error::last_errno("mkdir " + what);
  auto fd = fs::open_directory_at(dir_fd, name);
  if (!fd) return std::move(fd).error().context(what);
  if (auto status = check_trustworthy(fd->get(), what); !status) return status.error();
  if (::fchmod(fd->get(), 0700) < 0) return Error::last_errno("chmod " + what);
  return fd;
}

}  // namespace

Result<UniqueFd> make_private_storage_dir(const std::filesystem::path& directory) {
  const auto storage = directory.parent_path();
  auto root = fs::make_directory_path(storage, 0700);
  if (!root) return std::move(root).error();
  const std::string what = "storage dir " + storage.string();
  if (auto status = check_trustworthy(root->get(), what); !status) return status.error();
  if (::fchmod(root->get(), 0700) < 0) return Error::last_errno("chmod " + what);
  return open_private_at(root->get(), directory.filename().string(), directory.string());
}

}  // namespace srcompose::rootfs
