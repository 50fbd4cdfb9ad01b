// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/inherited_fds.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace srcompose::sys {
namespace {

std::vector<int>& inherited() {
  static std::vector<int> fds;
  return fds;
}

}  // namespace

void note_inherited_fds() {
  DIR* directory = ::opendir("/proc/self/fd");
  if (directory == nullptr) return;
  int own = ::dirfd(directory);
  while (const dirent* entry = ::readdir(directory)) {
    char* end = nullptr;
    long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd <= STDERR_FILENO || fd == own) continue;
    inherited().push_back(static_cast<int>(fd));
  }
  ::closedir(directory);
  for (int fd : inherited()) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
}

void close_inherited_fds() {
  for (int fd : inherited())
    ::close(fd);
  inherited().clear();
}

}  // namespace srcompose::sys
