// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime/workload.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/limits.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/sync.hpp"
#include "security/capabilities.hpp"
#include "sys/syscalls.hpp"

namespace srcompose::runtime {

namespace {

// execve for a command without '/', trying each PATH directory of the container's environment as
// execvp(3) does (EACCES remembered, ENOENT/ENOTDIR skipped). Returns the errno to report.
int exec_searching(const WorkloadConfig& workload) {
  const char* command = workload.argv[0];
  if (command == nullptr || command[0] == '\0') return ENOENT;
  if (std::strchr(command, '/')) {
    ::execve(command, workload.argv.data(), workload.envp.data());
    return errno;
  }
  int result = ENOENT;
  const size_t command_length = std::strlen(command);
  for (const char* dir : workload.search) {
    char path[PATH_MAX];
    const size_t dir_length = std::strlen(dir);
    if (dir_length + 1 + command_length >= sizeof path) continue;
    // NOLINTNEXTLINE(bugprone-not-null-terminated-result): the command's copy below ends it
    std::memcpy(path, dir, dir_length);
    path[dir_length] = '/';
    std::memcpy(path + dir_length + 1, command, command_length + 1);
    ::execve(path, workload.argv.data(), workload.envp.data());
    if (errno == EACCES) {
      result = EACCES;
    } else if (errno != ENOENT && errno != ENOTDIR) {
      return errno;
    }
  }
  return result;
}

// The identity change keeps the permitted capabilities (PR_SET_KEEPCAPS) so that the bounding,
// permitted and effective sets can be set to exactly the plan's afterwards, for any uid.
void become_user(const WorkloadConfig& workload) {
  must(Step::setresuid, errno_of(::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)));
  must(Step::setgroups,
       errno_of(sys::set_groups_of_thread(workload.groups.size(), workload.groups.data())));
  must(Step::setresgid,
       errno_of(sys::set_gids_of_thread(workload.gid, workload.gid, workload.gid)));
  must(Step::setresuid,
       errno_of(sys::set_uids_of_thread(workload.uid, workload.uid, workload.uid)));
}

int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

int64_t usec(const timeval& time) {
  return static_cast<int64_t>(time.tv_sec) * 1'000'000 + time.tv_usec;
}

// Async-signal-safe: one write of a small record (atomic on a pipe), errors ignored: the exit
// status still tells the parent most of it.
void report_workload_end(int status) {
  WorkloadEnd end;
  end.magic = WorkloadEnd::kMagic;
  if (WIFSIGNALED(status)) {
    end.signal = WTERMSIG(status);
    end.core_dumped = WCOREDUMP(status) ? 1 : 0;
  } else {
    end.exit_code = exit_code(status);
  }
  rusage usage{};
  if (::getrusage(RUSAGE_CHILDREN, &usage) == 0) {
    end.max_rss_kib = usage.ru_maxrss;
    end.user_usec = usec(usage.ru_utime);
    end.system_usec = usec(usage.ru_stime);
    end.voluntary_switches = usage.ru_nvcsw;
    end.involuntary_switches = usage.ru_nivcsw;
  }
  [[maybe_unused]] ssize_t written = ::write(kEndReportFd, &end, sizeof end);
}

}  // namespace

std::optional<WorkloadEnd> read_workload_end(int fd) {
  WorkloadEnd end;
  ssize_t n = ::read(fd, &end, sizeof end);
  if (n != static_cast<ssize_t>(sizeof end) || end.magic != WorkloadEnd::kMagic)
    return std::nullopt;
  return end;
}

int reset_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    if (signal_number == SIGKILL || signal_number == SIGSTOP) continue;
    // glibc reserves two real-time signals and refuses them (EINVAL): they are not ours to reset.
    (void)::sigaction(signal_number, &action, nullptr);
  }
  return 0;
}

int reset_signals() {
  reset_signal_handlers();
  sigset_t none;
  sigemptyset(&none);
  return ::sigprocmask(SIG_SETMASK, &none, nullptr) < 0 ? errno : 0;
}

void exec_workload(const WorkloadConfig& workload) {
  must(Step::reset_signals, reset_signals());
  // Its own session: signals to the init's process group never hit it twice, and it may take a
  // controlling terminal.
  must(Step::setsid, errno_of(::setsid()));
  // Before the identity change: a hard limit can only be raised by the host's CAP_SYS_RESOURCE,
  // which the supervisor may lack (EPERM names the ulimit), and lowering it is final.
  for (const ResourceLimit& limit : workload.rlimits) {
    must(Step::setrlimit,
         errno_of(::setrlimit(static_cast<__rlimit_resource>(limit.resource), &limit.value)),
         limit.detail);
  }
  // A new session leader without a terminal: the pty on fd 0 becomes its controlling terminal, so
  // a shell gets job control and ^C reaches it as SIGINT.
  if (workload.controlling_terminal)
    must(Step::controlling_terminal, errno_of(::ioctl(0, TIOCSCTTY, 0)));
  become_user(workload);
  // After the identity change, so that a directory only root may enter fails as it would for the
  // user (runc does the same).
  must(Step::chdir, errno_of(::chdir(workload.workdir)), workload.workdir_detail);
  must(Step::capabilities, security::apply_capabilities(workload.capabilities));
  if (workload.no_new_privs) must(Step::no_new_privs, security::set_no_new_privs());
  // Every fd above stdio is closed by execve; the sync socket stays usable until then to report.
  must(Step::close_fds, errno_of(::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC)));
  // Last: the filter may forbid what the steps above needed.
  if (workload.seccomp) must(Step::seccomp, security::install_seccomp(*workload.seccomp));
  report_failure(kSyncFd, Step::exec, exec_searching(workload), workload.exec_detail);
}

void run_init(const WorkloadConfig& workload, bool own_time_namespace) {
  // The parent learns the setup went through; a failing execve still reaches it over the same
  // socket, because the workload holds a copy until its execve succeeds (O_CLOEXEC).
  SyncMessage ready;
  ready.kind = SyncMessage::ready;
  must(Step::fork_workload, send_message(kSyncFd, ready));

  // vfork, as posix_spawn does: the workload shares our memory until its execve (or its _exit:
  // exec_workload never returns) while we are suspended, so the kernel copies none of our page
  // tables only for the execve to throw the copy away, and nothing becomes copy-on-write. What the
  // workload changes before its execve is its own: signal handlers and mask, session, rlimits,
  // credentials, capabilities, the fd table (no CLONE_SIGHAND, CLONE_THREAD, CLONE_FILES). Into
  // another time namespace only a copy may go (EINVAL otherwise): a raw clone then. Neither is
  // fork(3): no atfork handler runs.
  const pid_t workload_pid = own_time_namespace
                                 ? sys::clone3(0, nullptr, SIGCHLD)
                                 : ::vfork();  // NOLINT(clang-analyzer-security.insecureAPI.vfork)
  if (workload_pid < 0) must(Step::fork_workload, errno);
  if (workload_pid == 0) exec_workload(workload);

  // The init needs nothing more from the parent, nor any output: only signals and zombies. It keeps
  // CAP_KILL to signal a workload that changed its uid, and drops everything else.
  ::close(kSyncFd);
  ::dup2(0, 1);  // fd 0 is /dev/null
  ::dup2(0, 2);
  // An init that could not drop what it must not keep ends the container instead (fail closed):
  // nothing is left to report to, and its exit status 127 shows as the run's end.
  if (security::apply_capabilities(uint64_t{1} << 5 /* CAP_KILL */) != 0 ||
      security::set_no_new_privs() != 0) {
    ::kill(workload_pid, SIGKILL);
    ::_exit(127);
  }

  sigset_t all;
  sigfillset(&all);
  for (;;) {
    siginfo_t info{};
    const int signal_number = ::sigwaitinfo(&all, &info);
    if (signal_number < 0) continue;  // EINTR
    if (signal_number != SIGCHLD) {
      // Blocked signals are queued even for a namespace's init, which the kernel otherwise shields
      // from signals it has no handler for; each is passed on to the workload.
      (void)::kill(workload_pid, signal_number);
      continue;
    }
    // SIGCHLD coalesces: reap every zombie there is, orphans included.
    for (;;) {
      int status = 0;
      const pid_t reaped = ::waitpid(-1, &status, WNOHANG);
      if (reaped <= 0) break;
      // Leaving now makes the kernel kill whatever else still runs in the pid namespace.
      if (reaped == workload_pid) {
        report_workload_end(status);
        ::_exit(exit_code(status));
      }
    }
  }
}

}  // namespace srcompose::runtime
