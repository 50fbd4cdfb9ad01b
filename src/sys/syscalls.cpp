#include "sys/syscalls.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

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
};
}  // namespace

namespace srcompose::sys {

pid_t clone3(uint64_t flags, int* pidfd, int exit_signal) {
  CloneArgs args{};
  args.flags = flags;
  args.pidfd = reinterpret_cast<uint64_t>(pidfd);
  args.exit_signal = static_cast<uint64_t>(exit_signal);
  return static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
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

Result<UniqueFd> open_namespace(int pidfd, PidfdNamespace which) {
  // <linux/pidfd.h> of Debian 12 predates these requests (include/uapi/linux/pidfd.h, 6.11).
  constexpr unsigned long kPidfsMagic = 0xFF;
  const unsigned long request =
      which == PidfdNamespace::user ? _IO(kPidfsMagic, 9) : _IO(kPidfsMagic, 8);
  UniqueFd fd(::ioctl(pidfd, request, 0));
  if (!fd) {
    return Error::last_errno(which == PidfdNamespace::user
                                 ? "ioctl(PIDFD_GET_USER_NAMESPACE)"
                                 : "ioctl(PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE)");
  }
  return fd;
}

}  // namespace srcompose::sys
