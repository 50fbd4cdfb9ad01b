// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/project_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <charconv>
#include <string>

#include "sys/file_io.hpp"

namespace srcompose::supervisor {

Result<ProjectLock> ProjectLock::acquire(const StatePaths& paths, const std::string& project) {
  UniqueFd fd(::open(paths.lock().c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return Error::last_errno("open " + paths.lock().string());
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) < 0) {
    if (errno != EWOULDBLOCK) return Error::last_errno("flock " + paths.lock().string());
    auto owner = read_small_file(paths.lock());
    std::string pid = owner ? owner->substr(0, owner->find('\n')) : std::string("unknown");
    return Error::message("project " + project + " is already up (supervisor pid " + pid +
                          "); run `srcompose -p " + project + " down` first");
  }
  ProjectLock lock(std::move(fd));
  if (auto status = lock.record_owner(::getpid()); !status) return status.error();
  return lock;
}

Status ProjectLock::record_owner(pid_t pid) const {
  std::string text = std::to_string(pid) + "\n";
  return sys::rewrite_in_place(fd_.get(), text, "lock file");
}

std::optional<pid_t> ProjectLock::owner(const StatePaths& paths) {
  if (!held_by_other(paths)) return std::nullopt;
  auto text = read_small_file(paths.lock());
  if (!text) return std::nullopt;
  pid_t pid = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), pid);
  if (error != std::errc{} || pid <= 1) return std::nullopt;
  return pid;
}

bool ProjectLock::held_by_other(const StatePaths& paths) {
  UniqueFd fd(::open(paths.lock().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return false;
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) < 0) return errno == EWOULDBLOCK;
  ::flock(fd.get(), LOCK_UN);
  return false;
}

}  // namespace srcompose::supervisor
