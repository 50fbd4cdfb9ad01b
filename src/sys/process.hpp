// SPDX-License-Identifier: GPL-2.0-or-later
// ChildProcess: the owner of a child process through its pidfd. Destroying an unreaped child kills
// it with SIGKILL and reaps it, so no failure path leaves a process behind.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <optional>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace srcompose::sys {

// How a process ended, as a shell reports it: exit_code is the status, or 128+signal when killed.
struct ExitStatus {
  int exit_code = 0;
  int signal = 0;  // non-zero when killed by a signal
  bool killed() const { return signal != 0; }
};

// Every signal blocked on this thread for the owner's lifetime, around a clone3: the child starts
// with none deliverable until it has reset the parent's handlers (posix_spawn does the same).
class AllSignalsBlocked {
 public:
  AllSignalsBlocked() {
    sigset_t all;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &saved_);
  }
  ~AllSignalsBlocked() { ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  AllSignalsBlocked(const AllSignalsBlocked&) = delete;
  AllSignalsBlocked& operator=(const AllSignalsBlocked&) = delete;

 private:
  sigset_t saved_{};
};

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }
  bool running() const { return pid_ > 0 && !reaped_; }

  // pidfd_send_signal: no pid-reuse race. ESRCH once it exited.
  Status signal(int signal_number) const;
  // Reaps without blocking (waitid P_PIDFD, WNOHANG): nullopt while it still runs.
  Result<std::optional<ExitStatus>> try_wait();
  // Blocks until it exits, then reaps it (also through a pidfd an event loop made O_NONBLOCK).
  Result<ExitStatus> wait();
  // Gives up ownership: the process is no longer killed on destruction. Returns its pidfd.
  UniqueFd release();

 private:
  void kill_and_reap();
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  bool reaped_ = false;
};

ExitStatus exit_status_from_siginfo(int child_code, int child_status);

// pidfd_open(2) for a process that is not our child (`exec` into a running container's init).
// Through syscall(2): glibc 2.36's <sys/pidfd.h> lacks extern "C" and does not link from C++.
Result<UniqueFd> open_pidfd(pid_t pid);

}  // namespace srcompose::sys
