// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime/pty.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <string>

#include "sys/syscalls.hpp"

namespace srcompose::runtime {

Result<ContainerPty> open_container_pty(int init_pidfd) {
  auto pid = sys::pidfd_pid(init_pidfd);
  if (!pid) return std::move(pid).error();
  const std::string root_path = "/proc/" + std::to_string(*pid) + "/root";
  UniqueFd root(::open(root_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::last_errno("open " + root_path);
  // Signal 0 through the pidfd fails once the init is gone: while it succeeds, the pid was never
  // free for reuse, so the root opened above is the container's.
  if (::syscall(SYS_pidfd_send_signal, init_pidfd, 0, nullptr, 0) < 0)
    return Error::last_errno("pidfd_send_signal(" + std::to_string(*pid) + ", 0)");
  const std::string ptmx_path = root_path + "/dev/pts/ptmx";
  ContainerPty pty;
  pty.master.reset(sys::openat2(root.get(), "dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC, 0,
                                RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
  if (!pty.master) return Error::last_errno("open " + ptmx_path);
  struct stat status {};
  if (::fstat(pty.master.get(), &status) < 0) return Error::last_errno("fstat " + ptmx_path);
  // devpts' ptmx is character device 5:2: anything else the container put there is refused.
  if (!S_ISCHR(status.st_mode) || major(status.st_rdev) != 5 || minor(status.st_rdev) != 2)
    return Error::message(ptmx_path + " is not a ptmx device: refused");
  int unlock = 0;
  if (::ioctl(pty.master.get(), TIOCSPTLCK, &unlock) < 0)
    return Error::last_errno("ioctl(TIOCSPTLCK) " + ptmx_path);
  pty.slave.reset(::ioctl(pty.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!pty.slave) return Error::last_errno("ioctl(TIOCGPTPEER) " + ptmx_path);
  return pty;
}

}  // namespace srcompose::runtime
