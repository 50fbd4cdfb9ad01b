// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/open_files_limit.hpp"

#include <sys/resource.h>

#include <optional>

namespace srcompose::sys {

namespace {

// Set once in main(), before any thread exists; read afterwards only.
std::optional<rlimit>& limit_at_start() {
  static std::optional<rlimit> limit;
  return limit;
}

}  // namespace

void note_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) limit_at_start() = limit;
}

Status raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) < 0) return Error::last_errno("getrlimit(RLIMIT_NOFILE)");
  if (limit.rlim_cur == limit.rlim_max) return {};
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) < 0) return Error::last_errno("setrlimit(RLIMIT_NOFILE)");
  return {};
}

Status restore_open_files_limit(pid_t child) {
  const auto& limit = limit_at_start();
  if (!limit) return {};
  if (::prlimit(child, RLIMIT_NOFILE, &*limit, nullptr) < 0) {
    return Error::last_errno("prlimit(RLIMIT_NOFILE) of pid " + std::to_string(child));
  }
  return {};
}

}  // namespace srcompose::sys
