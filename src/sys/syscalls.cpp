#include "sys/syscalls.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/pidfd.h>
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

Result<UniqueFd> open_namespace(pid_t pid, int pidfd, const char* name) {
  std::string path = "/proc/" + std::to_string(pid) + "/ns/" + name;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::last_errno("open " + path);
  // Signal 0 checks existence only; if the pid had been recycled we would have opened a stranger's
  // namespace, and the pidfd tells us the process we meant is gone.
  if (::pidfd_send_signal(pidfd, 0, nullptr, 0) < 0) {
    return Error::last_errno("pidfd_send_signal(" + std::to_string(pid) + ", 0)");
  }
  return fd;
}

}  // namespace srcompose::sys
