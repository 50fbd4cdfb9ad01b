// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/syscalls.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>

#include "sys/kernel_features.hpp"

// <linux/sched.h> redefines the CLONE_* macros of <sched.h>; only the argument struct is needed.
namespace {
struct CloneArgs {
  uint64_t flags;
  uint64_t pidfd;
  uint64_t child_tid;
  uint64_t parent_tid;
  uint64_t exit_signal;
  uint64_t stack;
  uint64_t stack_size;
  uint64_t tls;
  uint64_t set_tid;
  uint64_t set_tid_size;
  uint64_t cgroup;
};
// CLONE_INTO_CGROUP, from <linux/sched.h> (which cannot be included beside <sched.h>).
constexpr uint64_t kCloneIntoCgroup = 0x200000000ULL;

// statmount(2) and the unique mount id of statx, Linux 6.8: newer than Debian 12's headers.
constexpr long kStatmountSyscall = 457;  // x86-64, like every number srcompose uses
constexpr unsigned kStatxMountIdUnique = 0x4000;
struct MountIdRequest {  // struct mnt_id_req, first version
  uint32_t size;
  uint32_t spare;
  uint64_t mount_id;
  uint64_t param;
};
}  // namespace

namespace srcompose::sys {

uint64_t mount_attributes(unsigned long ms_flags, bool readonly) {
  uint64_t attributes = 0;
  if (ms_flags & MS_NOSUID) attributes |= MOUNT_ATTR_NOSUID;
  if (ms_flags & MS_NODEV) attributes |= MOUNT_ATTR_NODEV;
  if (ms_flags & MS_NOEXEC) attributes |= MOUNT_ATTR_NOEXEC;
  if ((ms_flags & MS_RDONLY) || readonly) attributes |= MOUNT_ATTR_RDONLY;
  return attributes;
}

pid_t clone3(uint64_t flags, int* pidfd, int exit_signal, int cgroup_fd) {
  CloneArgs args{};
  args.flags = flags;
  if (cgroup_fd >= 0) {
    args.flags |= kCloneIntoCgroup;
    args.cgroup = static_cast<uint64_t>(cgroup_fd);
  }
  args.pidfd = reinterpret_cast<uint64_t>(pidfd);
  args.exit_signal = static_cast<uint64_t>(exit_signal);
  return static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
}

int set_groups_of_thread(size_t count, const gid_t* groups) {
  return static_cast<int>(::syscall(SYS_setgroups, count, groups));
}

int set_gids_of_thread(gid_t real, gid_t effective, gid_t saved) {
  return static_cast<int>(::syscall(SYS_setresgid, real, effective, saved));
}

int set_uids_of_thread(uid_t real, uid_t effective, uid_t saved) {
  return static_cast<int>(::syscall(SYS_setresuid, real, effective, saved));
}

int openat2(int dirfd, const char* path, uint64_t flags, uint64_t mode, uint64_t resolve) {
  open_how how{};
  how.flags = flags;
  how.mode = mode;
  how.resolve = resolve;
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof how));
}

int pivot_root(const char* new_root, const char* put_old) {
  return static_cast<int>(::syscall(SYS_pivot_root, new_root, put_old));
}

namespace {

const char* ioctl_name(PidfdNamespace which) {
  return which == PidfdNamespace::user ? "ioctl(PIDFD_GET_USER_NAMESPACE)"
                                       : "ioctl(PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE)";
}

}  // namespace

Result<UniqueFd> open_namespace_by_ioctl(int pidfd, PidfdNamespace which) {
  // <linux/pidfd.h> of Debian 12 predates these requests (include/uapi/linux/pidfd.h, 6.11).
  constexpr unsigned long kPidfsMagic = 0xFF;
  const unsigned long request =
      which == PidfdNamespace::user ? _IO(kPidfsMagic, 9) : _IO(kPidfsMagic, 8);
  UniqueFd fd(::ioctl(pidfd, request, 0));
  if (!fd) return Error::last_errno(ioctl_name(which));
  return fd;
}

Result<pid_t> pidfd_pid(int pidfd) {
  const std::string path = "/proc/self/fdinfo/" + std::to_string(pidfd);
  std::ifstream in(path);
  if (!in) return Error::last_errno("open " + path);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Pid:", 0) != 0) continue;
    const long pid = std::strtol(line.c_str() + 4, nullptr, 10);
    // -1: the process was reaped (0 would mean it lives in a pid namespace we cannot see).
    if (pid <= 0) return Error::from_errno("pid of pidfd " + std::to_string(pidfd), ESRCH);
    return static_cast<pid_t>(pid);
  }
  return Error::message(path + ": no Pid line (not a pidfd)");
}

Result<UniqueFd> open_namespace_by_proc(int pidfd, PidfdNamespace which) {
  auto pid = pidfd_pid(pidfd);
  if (!pid) return std::move(pid).error();
  const std::string path = "/proc/" + std::to_string(*pid) + "/ns/" +
                           (which == PidfdNamespace::user ? "user" : "time_for_children");
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::last_errno("open " + path);
  // Signal 0 through the pidfd fails with ESRCH once its process is gone; while it succeeds the
  // pid was never free for reuse, so the file opened above was that process's.
  if (::syscall(SYS_pidfd_send_signal, pidfd, 0, nullptr, 0) < 0) {
    return Error::last_errno("pidfd_send_signal(" + std::to_string(*pid) + ", 0) after open " +
                             path);
  }
  return fd;
}

Result<bool> mount_attached_by_statmount(int fd) {
  struct statx status {};
  if (::statx(fd, "", AT_EMPTY_PATH, kStatxMountIdUnique, &status) < 0)
    return Error::last_errno("statx(STATX_MNT_ID_UNIQUE)");
  // A kernel that does not know the bit leaves it out of the answer.
  if (!(status.stx_mask & kStatxMountIdUnique))
    return Error::from_errno("statx(STATX_MNT_ID_UNIQUE)", EINVAL);
  MountIdRequest request{sizeof(MountIdRequest), 0, status.stx_mnt_id, 0};
  // Room for struct statmount, which the kernel wants whole; nothing of it is asked for.
  alignas(8) std::array<char, 4096> answer{};
  if (::syscall(kStatmountSyscall, &request, answer.data(), answer.size(), 0) == 0) return true;
  if (errno == ENOENT) return false;
  return Error::last_errno("statmount");
}

Result<bool> mount_attached_by_mountinfo(int fd) {
  struct statx status {};
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &status) < 0)
    return Error::last_errno("statx(STATX_MNT_ID)");
  if (!(status.stx_mask & STATX_MNT_ID)) return Error::message("statx: no mount id");
  std::ifstream mountinfo("/proc/self/mountinfo");
  if (!mountinfo) return Error::last_errno("open /proc/self/mountinfo");
  std::string line;
  const std::string prefix = std::to_string(status.stx_mnt_id) + " ";
  while (std::getline(mountinfo, line)) {
    if (line.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

Result<bool> mount_is_attached(int fd) {
  return kernel_features().statmount ? mount_attached_by_statmount(fd)
                                     : mount_attached_by_mountinfo(fd);
}

Result<UniqueFd> open_namespace(int pidfd, PidfdNamespace which) {
  return kernel_features().pidfd_namespaces ? open_namespace_by_ioctl(pidfd, which)
                                            : open_namespace_by_proc(pidfd, which);
}

}  // namespace srcompose::sys
