// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/state_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/openat2.h>

#include <cstdio>
#include <cstdlib>

#include "common/unique_fd.hpp"
#include "rootfs/fs.hpp"
#include "spec/load.hpp"
#include "supervisor/id_registry.hpp"
#include "sys/file_io.hpp"
#include "sys/syscalls.hpp"

namespace srcompose::supervisor {

std::filesystem::path state_root(const std::string& override_root) {
  if (!override_root.empty()) return std::filesystem::absolute(override_root);
  if (const char* env = std::getenv("SRCOMPOSE_STATE_DIR"); env && *env) {
    return std::filesystem::absolute(env);
  }
  return kDefaultStateRoot;
}

StatePaths state_paths(const std::filesystem::path& root, const std::string& project) {
  return StatePaths{root, project, root / project};
}

namespace {

// Root or us: a directory only they can change cannot have its entries swapped under us.
bool trusted_owner(const struct stat& status) {
  return status.st_uid == 0 || status.st_uid == ::geteuid();
}

Status check_private(int fd, const std::string& what) {
  struct stat status {};
  if (::fstat(fd, &status) < 0) return Error::last_errno("fstat " + what);
  if (!S_ISDIR(status.st_mode)) return Error::message(what + " is not a directory: refused");
  if (!trusted_owner(status)) {
    return Error::message(what + " belongs to uid " + std::to_string(status.st_uid) +
                          ", neither root nor us: refused");
  }
  if (status.st_mode & (S_IWGRP | S_IWOTH)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", status.st_mode & 07777);
    return Error::message(what + " is writable by other users (mode " + mode + "): refused");
  }
  return {};
}

}  // namespace

Result<UniqueFd> open_state_root(const std::filesystem::path& root, bool create) {
  if (create) {
    std::error_code error;
    if (std::filesystem::create_directories(root, error)) {
      if (::chmod(root.c_str(), 0755) < 0) return Error::last_errno("chmod " + root.string());
    } else if (error) {
      return Error::from_errno("mkdir " + root.string(), error.value());
    }
  }
  UniqueFd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT && !create) return UniqueFd();
    return Error::last_errno("open state root " + root.string());
  }
  if (auto status = check_private(fd.get(), "state root " + root.string()); !status)
    return status.error();
  return fd;
}

namespace {

// `name` in `dir_fd`, never through a symlink and never outside `dir_fd`. Absent: an empty fd.
Result<UniqueFd> open_beneath(int dir_fd, const std::string& name, const std::string& what) {
  UniqueFd fd(sys::openat2(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0,
                           RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS));
  if (!fd) {
    if (errno == ENOENT) return UniqueFd();
    if (errno == ELOOP || errno == ENOTDIR || errno == EXDEV)
      return Error::message(what + " is a symlink or not a directory: refused, left alone");
    return Error::last_errno("open " + what);
  }
  if (auto status = check_private(fd.get(), what); !status) return status.error();
  return fd;
}

// mkdirat, then open_beneath, then exactly 0700: what a stale or planted entry had is not kept.
Result<UniqueFd> make_private_beneath(int dir_fd, const std::string& name,
                                      const std::string& what) {
  if (::mkdirat(dir_fd, name.c_str(), 0700) < 0 && errno != EEXIST)
    return Error::last_errno("mkdir " + what);
  auto fd = open_beneath(dir_fd, name, what);
  if (!fd) return fd;
  if (!*fd) return Error::message(what + " vanished while being created");
  if (::fchmod(fd->get(), 0700) < 0) return Error::last_errno("chmod " + what);
  return fd;
}

Status check_name(const StatePaths& paths) {
  if (spec::is_project_name(paths.project)) return {};
  return Error::message("state directory of project \"" + paths.project +
                        "\": " + spec::project_name_rule());
}

}  // namespace

Status create_state_dir(const StatePaths& paths) {
  if (auto status = check_name(paths); !status) return status;
  auto root = open_state_root(paths.root, /*create=*/true);
  if (!root) return std::move(root).error();
  auto dir = make_private_beneath(root->get(), paths.project, "state dir " + paths.dir.string());
  if (!dir) return std::move(dir).error();
  auto logs = make_private_beneath(dir->get(), "logs", paths.logs_dir().string());
  if (!logs) return std::move(logs).error();
  return {};
}

namespace {

// The root and the project's directory, both checked; empty fds where absent.
struct OpenedStateDir {
  UniqueFd root;
  UniqueFd dir;
};

Result<OpenedStateDir> open_existing_state_dir(const StatePaths& paths) {
  if (auto status = check_name(paths); !status) return status.error();
  OpenedStateDir opened;
  auto root = open_state_root(paths.root, /*create=*/false);
  if (!root) return std::move(root).error();
  opened.root = std::move(*root);
  if (!opened.root) return opened;
  auto dir = open_beneath(opened.root.get(), paths.project, "state dir " + paths.dir.string());
  if (!dir) return std::move(dir).error();
  opened.dir = std::move(*dir);
  return opened;
}

}  // namespace

Status check_state_dir(const StatePaths& paths) {
  auto opened = open_existing_state_dir(paths);
  if (!opened) return std::move(opened).error();
  return {};
}

Status remove_state_dir(const StatePaths& paths) {
  auto opened = open_existing_state_dir(paths);
  if (!opened) return std::move(opened).error();
  if (opened->dir) {
    // Walked by fd from the root's fd: a symlink inside is unlinked, never followed.
    if (auto status = rootfs::fs::remove_tree_at(opened->root.get(), paths.project); !status)
      return std::move(status).error().context("remove " + paths.dir.string());
  }
  // The lab's id ranges are part of its state: once it is gone, other labs may take them.
  return release_id_ranges(paths);
}

Result<std::string> read_small_file(const std::filesystem::path& path, Symlinks symlinks) {
  // O_NONBLOCK: a FIFO named as the lab file fails at once instead of blocking the open.
  const int nofollow = symlinks == Symlinks::refuse ? O_NOFOLLOW : 0;
  return sys::read_whole_file(path, SIZE_MAX, O_NONBLOCK | nofollow);
}

}  // namespace srcompose::supervisor
