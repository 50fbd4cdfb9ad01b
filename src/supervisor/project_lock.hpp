// SPDX-License-Identifier: GPL-2.0-or-later
// ProjectLock: one `up` per project. An exclusive flock on <state dir>/lock, held by the supervisor
// for its whole life (inherited across the fork of `up -d`); the file records the supervisor's pid.
#pragma once

#include <optional>

#include <sys/types.h>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "supervisor/state_dir.hpp"

namespace srcompose::supervisor {

class ProjectLock {
 public:
  // Fails with "project NAME is already up (supervisor pid N)" when another supervisor holds it.
  static Result<ProjectLock> acquire(const StatePaths& paths, const std::string& project);
  // Records the pid of the process that now holds the lock (after `up -d` forked).
  Status record_owner(pid_t pid) const;
  // True when a live supervisor holds the project's lock. Creates nothing.
  static bool held_by_other(const StatePaths& paths);
  // The pid of the supervisor holding the lock, if one does (and recorded a valid pid).
  static std::optional<pid_t> owner(const StatePaths& paths);

 private:
  explicit ProjectLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace srcompose::supervisor
