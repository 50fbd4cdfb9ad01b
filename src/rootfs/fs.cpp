// SPDX-License-Identifier: GPL-2.0-or-later
#include "rootfs/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "sys/file_io.hpp"
#include "sys/syscalls.hpp"

namespace srcompose::rootfs::fs {
namespace {

constexpr int kDirectoryFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

struct Identity {
  dev_t device = 0;
  ino_t inode = 0;
  bool operator==(const Identity&) const = default;
};

Result<Identity> identity_of(int fd) {
  struct stat status {};
  if (::fstat(fd, &status) < 0) return Error::last_errno("fstat");
  return Identity{status.st_dev, status.st_ino};
}

}  // namespace

Result<std::vector<DirectoryEntry>> list_directory(int dir_fd) {
  int copy = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return Error::last_errno("fcntl F_DUPFD_CLOEXEC");
  std::unique_ptr<DIR, DirCloser> dir(::fdopendir(copy));
  if (!dir) {
    int saved = errno;
    ::close(copy);
    return Error::from_errno("fdopendir", saved);
  }
  ::rewinddir(dir.get());
  std::vector<DirectoryEntry> entries;
  errno = 0;
  while (dirent* entry = ::readdir(dir.get())) {
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    bool directory = entry->d_type == DT_DIR;
    if (entry->d_type == DT_UNKNOWN) {
      struct stat status {};
      if (::fstatat(dir_fd, entry->d_name, &status, AT_SYMLINK_NOFOLLOW) == 0) {
        directory = S_ISDIR(status.st_mode);
      }
    }
    entries.push_back({std::string(name), directory});
  }
  if (errno != 0) return Error::last_errno("readdir");
  return entries;
}

Result<UniqueFd> make_directory_path(const std::filesystem::path& path, mode_t mode) {
  std::filesystem::path partial;
  for (const auto& component : path) {
    partial /= component;
    if (::mkdir(partial.c_str(), mode) < 0 && errno != EEXIST) {
      return Error::last_errno("mkdir " + partial.string());
    }
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return Error::last_errno("open " + path.string());
  return fd;
}

bool spread_subdirectories(int dir_fd) {
  int flags = 0;
  if (::ioctl(dir_fd, FS_IOC_GETFLAGS, &flags) < 0) return false;
  if (flags & FS_TOPDIR_FL) return true;
  flags |= FS_TOPDIR_FL;
  return ::ioctl(dir_fd, FS_IOC_SETFLAGS, &flags) == 0;
}

Result<UniqueFd> open_directory_at(int dir_fd, const std::string& name) {
  UniqueFd fd(::openat(dir_fd, name.c_str(), kDirectoryFlags));
  if (!fd) return Error::last_errno("open directory " + name);
  return fd;
}

Result<UniqueFd> make_directory_at(int dir_fd, const std::string& name, mode_t mode, uid_t uid,
                                   gid_t gid) {
  if (::mkdirat(dir_fd, name.c_str(), mode) < 0 && errno != EEXIST) {
    return Error::last_errno("mkdir " + name);
  }
  auto fd = open_directory_at(dir_fd, name);
  if (!fd) return fd;
  if (::fchown(fd->get(), uid, gid) < 0) {
    return Error::last_errno("chown " + name + " " + std::to_string(uid) + ":" +
                             std::to_string(gid));
  }
  // After the chown: chown clears set-id bits, and mkdir's mode went through the umask.
  if (::fchmod(fd->get(), mode) < 0) return Error::last_errno("chmod " + name);
  return fd;
}

namespace {

// Unlinks what is not a directory in `fd` up to its first subdirectory, whose name it returns;
// nullopt once the directory is empty.
Result<std::optional<std::string>> unlink_files_until_subdirectory(int fd,
                                                                   const std::string& where) {
  auto entries = list_directory(fd);
  if (!entries) return std::move(entries).error().context("remove " + where);
  for (const auto& entry : *entries) {
    if (entry.directory) return std::optional<std::string>(entry.name);
    if (::unlinkat(fd, entry.name.c_str(), 0) < 0 && errno != ENOENT) {
      return Error::last_errno("unlink " + entry.name + " in " + where);
    }
  }
  return std::optional<std::string>();
}

// The way down of remove_directory_tree: the names entered and the identity of each one's parent.
struct Descent {
  std::vector<std::string> names;
  std::vector<Identity> parents;
};

// Removes the empty directory `fd` (the last of `descent`) from its parent, reached through ".."
// and checked against the identity recorded on the way down (the top one's parent is `top_fd`),
// and returns the parent.
Result<UniqueFd> remove_empty_and_climb(int top_fd, int fd, Descent& descent,
                                        const std::string& name) {
  UniqueFd parent(descent.parents.size() == 1 ? ::fcntl(top_fd, F_DUPFD_CLOEXEC, 0)
                                              : ::openat(fd, "..", kDirectoryFlags));
  if (!parent) return Error::last_errno("open parent of " + descent.names.back());
  auto parent_identity = identity_of(parent.get());
  if (!parent_identity) return parent_identity.error();
  if (!(*parent_identity == descent.parents.back())) {
    return Error::message("remove " + name + ": " + descent.names.back() +
                          " moved while being removed");
  }
  if (::unlinkat(parent.get(), descent.names.back().c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT) {
    return Error::last_errno("rmdir " + descent.names.back());
  }
  descent.names.pop_back();
  descent.parents.pop_back();
  return parent;
}

// Depth-first without recursion: descend into the first subdirectory left, and once a directory
// is empty, climb back through ".." and remove it.
Status remove_directory_tree(int dir_fd, const std::string& name) {
  auto top = identity_of(dir_fd);
  if (!top) return top.error();
  Descent descent{{name}, {*top}};
  auto current = open_directory_at(dir_fd, name);
  if (!current) return current.error();
  UniqueFd fd = std::move(*current);
  while (!descent.names.empty()) {
    auto subdirectory = unlink_files_until_subdirectory(fd.get(), descent.names.back());
    if (!subdirectory) return subdirectory.error();
    if (*subdirectory) {
      auto here = identity_of(fd.get());
      if (!here) return here.error();
      auto child = open_directory_at(fd.get(), **subdirectory);
      if (!child) return std::move(child).error().context("remove " + descent.names.back());
      descent.parents.push_back(*here);
      descent.names.push_back(**subdirectory);
      fd = std::move(*child);
      continue;
    }
    auto parent = remove_empty_and_climb(dir_fd, fd.get(), descent, name);
    if (!parent) return parent.error();
    fd = std::move(*parent);
  }
  return {};
}

}  // namespace

Status remove_tree_at(int dir_fd, const std::string& name) {
  struct stat status {};
  if (::fstatat(dir_fd, name.c_str(), &status, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return {};
    return Error::last_errno("stat " + name);
  }
  if (S_ISDIR(status.st_mode)) return remove_directory_tree(dir_fd, name);
  if (::unlinkat(dir_fd, name.c_str(), 0) < 0 && errno != ENOENT) {
    return Error::last_errno("unlink " + name);
  }
  return {};
}

Status remove_tree(const std::filesystem::path& path) {
  auto parent_path = path.parent_path();
  UniqueFd parent(
      ::open(parent_path.empty() ? "." : parent_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent) {
    if (errno == ENOENT) return {};
    return Error::last_errno("open " + parent_path.string());
  }
  auto status = remove_tree_at(parent.get(), path.filename().string());
  if (!status) return std::move(status).error().context("remove " + path.string());
  return {};
}

Result<std::optional<std::string>> read_file_in_root(int root_fd, const std::string& path,
                                                     size_t max_size) {
  // O_PATH first: opening a device or FIFO could block or have side effects; only a regular file is
  // then reopened for reading, through its fd so nothing can be swapped in between.
  UniqueFd handle(sys::openat2(root_fd, path.c_str(), O_PATH | O_CLOEXEC, 0,
                               RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
  if (!handle) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return Error::last_errno("openat2 " + path + " RESOLVE_IN_ROOT");
  }
  struct stat status {};
  if (::fstat(handle.get(), &status) < 0) return Error::last_errno("fstat " + path);
  // An overlayfs whiteout (character device 0:0) in an upper layer: the file was deleted.
  if (S_ISCHR(status.st_mode) && status.st_rdev == 0) return std::optional<std::string>{};
  if (!S_ISREG(status.st_mode)) return Error::message(path + ": not a regular file");
  std::string reopen = "/proc/self/fd/" + std::to_string(handle.get());
  UniqueFd fd(::open(reopen.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC));
  if (!fd) return Error::last_errno("reopen " + path);
  auto text = sys::read_to_end(fd.get(), path, max_size);
  if (!text) return std::move(text).error();
  return std::optional<std::string>{std::move(*text)};
}

}  // namespace srcompose::rootfs::fs
