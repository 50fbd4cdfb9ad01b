// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/sealed_binary.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <string>

#include "common/unique_fd.hpp"
#include "sys/syscalls.hpp"

extern char** environ;

namespace srcompose::sys {

namespace {

// True when `fd`'s file is on a read-only mount attached nowhere we can see.
Result<bool> on_detached_readonly_mount(int fd) {
  struct statvfs filesystem {};
  if (::fstatvfs(fd, &filesystem) < 0) return Error::last_errno("fstatvfs /proc/self/exe");
  if (!(filesystem.f_flag & ST_RDONLY)) return false;
  auto attached = mount_is_attached(fd);
  if (!attached) return std::move(attached).error().context("/proc/self/exe");
  return !*attached;
}

Result<bool> running_sealed() {
  UniqueFd exe(::open("/proc/self/exe", O_PATH | O_CLOEXEC));
  if (!exe) return Error::last_errno("open /proc/self/exe");
  return on_detached_readonly_mount(exe.get());
}

// The read-only, nosuid, nodev clone of the running binary's mount, detached, as an O_PATH fd.
Result<UniqueFd> make_sealed_binary() {
  UniqueFd exe(::open("/proc/self/exe", O_PATH | O_CLOEXEC));
  if (!exe) return Error::last_errno("open /proc/self/exe");
  UniqueFd clone(::open_tree(exe.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
  if (!clone) return Error::last_errno("open_tree(/proc/self/exe, OPEN_TREE_CLONE)");
  mount_attr attributes{};
  attributes.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (::mount_setattr(clone.get(), "", AT_EMPTY_PATH, &attributes, sizeof attributes) < 0) {
    return Error::last_errno("mount_setattr(read-only) on the clone of /proc/self/exe");
  }
  // What the next start will check: refuse to exec rather than loop if it would not pass.
  auto sealed = on_detached_readonly_mount(clone.get());
  if (!sealed) return std::move(sealed).error();
  if (!*sealed) return Error::message("the read-only clone of /proc/self/exe is not detached");
  return clone;
}

}  // namespace

void run_from_sealed_binary(char** argv) {
  // Only root starts containers; anyone else has nothing to protect and could not mount anyway.
  if (::geteuid() != 0) return;
  auto sealed = running_sealed();
  if (!sealed || *sealed) return;
  auto binary = make_sealed_binary();
  if (!binary) return;
  ::execveat(binary->get(), "", argv, environ, AT_EMPTY_PATH);
  // Failed: check_sealed_binary() refuses to start containers and says why.
}

Result<std::string> sealed_binary_path() {
  if (auto sealed = running_sealed(); sealed && *sealed) return std::string("/proc/self/exe");
  // Made once: every launcher this process starts (respawns too) execs the same clone.
  static const Result<UniqueFd> clone = make_sealed_binary();
  if (!clone) {
    return Error(clone.error())
        .context(
            "srcompose runs its launcher from a read-only copy of its binary, "
            "so that no container can rewrite it (CVE-2019-5736); it makes "
            "one as root with CAP_SYS_ADMIN on Linux 5.12+");
  }
  // Through our own fd table: the spawned child closes its copies of our fds before its exec.
  return "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(clone->get());
}

Status check_sealed_binary() {
  static const Status result = []() -> Status {
    auto sealed = running_sealed();
    if (sealed && *sealed) return {};
    // Say why the re-execution at start did not happen (or would fail now).
    Error cause = Error::message("the re-execution from the read-only copy did not happen");
    if (!sealed) {
      cause = std::move(sealed).error();
    } else if (auto binary = make_sealed_binary(); !binary) {
      cause = std::move(binary).error();
    }
    return std::move(cause).context(
        "srcompose must run from a read-only copy of its binary, so that no container can rewrite "
        "it (CVE-2019-5736); it makes one at start, as root with CAP_SYS_ADMIN on Linux 5.12+");
  }();
  return result;
}

}  // namespace srcompose::sys
