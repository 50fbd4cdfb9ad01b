// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/host_registry.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "sys/file_io.hpp"

namespace srcompose::supervisor {
namespace {

constexpr size_t kMaxRegistrySize = 4 << 20;

}  // namespace

Result<LockedRegistry> LockedRegistry::lock(const StatePaths& paths, std::string_view name,
                                            bool create, bool exclusive) {
  auto root = open_state_root(paths.root, create);
  if (!root) return std::move(root).error();
  LockedRegistry registry;
  registry.root_ = std::move(*root);
  registry.path_ = (paths.root / name).string();
  if (!registry.root_) return registry;
  const int flags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT : 0);
  registry.file_.reset(::openat(registry.root_.get(), std::string(name).c_str(), flags, 0600));
  if (!registry.file_) {
    if (errno == ENOENT && !create) return registry;
    return Error::last_errno("open " + registry.path_);
  }
  struct stat status {};
  if (::fstat(registry.file_.get(), &status) < 0)
    return Error::last_errno("fstat " + registry.path_);
  if (!S_ISREG(status.st_mode) || (status.st_uid != 0 && status.st_uid != ::geteuid()))
    return Error::message(registry.path_ + " is not a regular file of ours: refused");
  while (::flock(registry.file_.get(), exclusive ? LOCK_EX : LOCK_SH) < 0) {
    if (errno != EINTR) return Error::last_errno("flock " + registry.path_);
  }
  return registry;
}

Result<std::vector<std::string>> LockedRegistry::read_lines() const {
  std::vector<std::string> lines;
  if (!file_) return lines;
  if (::lseek(file_.get(), 0, SEEK_SET) < 0) return Error::last_errno("lseek " + path_);
  auto text = sys::read_to_end(file_.get(), path_, kMaxRegistrySize);
  if (!text) return std::move(text).error();
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(std::move(line));
  return lines;
}

Status LockedRegistry::write(std::string_view text) const {
  if (!file_) return Error::from_errno("write " + path_, EBADF);
  return sys::rewrite_in_place(file_.get(), text, path_);
}

bool LockedRegistry::project_is_up(const std::string& project) const {
  struct stat status {};
  return root_ && ::fstatat(root_.get(), project.c_str(), &status, AT_SYMLINK_NOFOLLOW) == 0 &&
         S_ISDIR(status.st_mode);
}

}  // namespace srcompose::supervisor
