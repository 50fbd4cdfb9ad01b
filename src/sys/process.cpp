// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/process.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace srcompose::sys {

ExitStatus exit_status_from_siginfo(int child_code, int child_status) {
  if (child_code == CLD_EXITED) return ExitStatus{child_status, 0};
  return ExitStatus{128 + child_status, child_status};
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      reaped_(std::exchange(other.reaped_, false)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    kill_and_reap();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
    reaped_ = std::exchange(other.reaped_, false);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  kill_and_reap();
}

void ChildProcess::kill_and_reap() {
  if (!running() || !pidfd_) return;
  (void)signal(SIGKILL);
  (void)wait();
}

Status ChildProcess::signal(int signal_number) const {
  if (::syscall(SYS_pidfd_send_signal, pidfd_.get(), signal_number, nullptr, 0) < 0) {
    return Error::last_errno("pidfd_send_signal(" + std::to_string(pid_) + ", " +
                             std::to_string(signal_number) + ")");
  }
  return {};
}

Result<std::optional<ExitStatus>> ChildProcess::try_wait() {
  siginfo_t info{};
  if (::waitid(P_PIDFD, static_cast<id_t>(pidfd_.get()), &info, WEXITED | WNOHANG) < 0) {
    return Error::last_errno("waitid(pidfd of " + std::to_string(pid_) + ")");
  }
  if (info.si_pid == 0) return std::optional<ExitStatus>{};
  reaped_ = true;
  return std::optional<ExitStatus>{exit_status_from_siginfo(info.si_code, info.si_status)};
}

Result<ExitStatus> ChildProcess::wait() {
  siginfo_t info{};
  while (::waitid(P_PIDFD, static_cast<id_t>(pidfd_.get()), &info, WEXITED) < 0) {
    // A pidfd that an event loop watched is O_NONBLOCK (asio sets it on the open file description,
    // which every dup shares): waitid then answers EAGAIN while the child runs instead of
    // blocking. Wait for the pidfd to become readable (the child exited) and ask again.
    if (errno == EAGAIN) {
      pollfd exited{pidfd_.get(), POLLIN, 0};
      if (::poll(&exited, 1, -1) < 0 && errno != EINTR) {
        return Error::last_errno("poll(pidfd of " + std::to_string(pid_) + ")");
      }
      continue;
    }
    if (errno != EINTR) return Error::last_errno("waitid(pidfd of " + std::to_string(pid_) + ")");
  }
  reaped_ = true;
  return exit_status_from_siginfo(info.si_code, info.si_status);
}

Result<UniqueFd> open_pidfd(pid_t pid) {
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!fd) return Error::last_errno("pidfd_open(" + std::to_string(pid) + ")");
  return fd;
}

UniqueFd ChildProcess::release() {
  pid_ = -1;
  return std::move(pidfd_);
}

}  // namespace srcompose::sys
