// SPDX-License-Identifier: GPL-2.0-or-later
// exec_in_container: a helper process joins the container, then forks the real process into its pid
// namespace as a child of the caller (CLONE_PARENT), and hands its pidfd back.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <optional>

#include "runtime/child_config.hpp"
#include "runtime/container.hpp"
#include "runtime/exec_helper.hpp"
#include "runtime/launcher.hpp"
#include "runtime/namespaces.hpp"
#include "runtime/sync.hpp"
#include "runtime/workload.hpp"
#include "sys/sealed_binary.hpp"
#include "sys/syscalls.hpp"

namespace srcompose::runtime {

namespace {

// 0/1/2 from the request's fds (which may be any of 0-2 themselves, in any order: copied above
// stdio first), the sync socket at kSyncFd.
void install_stdio(const ExecHelper& helper) {
  int copies[3];
  for (int i = 0; i < 3; ++i) {
    copies[i] = ::fcntl(helper.stdio[i], F_DUPFD_CLOEXEC, 10);
    if (copies[i] < 0) ::_exit(127);
  }
  if (helper.sync != kSyncFd && ::dup3(helper.sync, kSyncFd, O_CLOEXEC) < 0) ::_exit(127);
  for (int i = 0; i < 3; ++i) {
    if (::dup2(copies[i], i) < 0) must(Step::stdio, errno);
  }
}

}  // namespace

// The helper: host root entering the container. Non-dumpable first, so nothing inside can ptrace
// it or open its /proc files while it still holds host fds.
void run_exec_helper(const ExecHelper& helper) {
  install_stdio(helper);
  must(Step::reset_signals, reset_signal_handlers());
  must(Step::dumpable, errno_of(::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)));
  // Writing "0" moves the writer itself, in cgroup v1 and v2 alike; done before setns while the
  // host's cgroupfs is still what the fds point to.
  for (size_t i = 0; i < helper.cgroup_procs_count; ++i) {
    must(Step::join_cgroup, errno_of(::write(helper.cgroup_procs[i], "0", 1)));
  }
  // setns through the init's pidfd would join the init's own time namespace; the workload lives in
  // the init's time_for_children.
  if (helper.time_namespace >= 0) {
    must(Step::join_time_namespace, errno_of(::setns(helper.time_namespace, CLONE_NEWTIME)));
  }
  must(Step::setns, errno_of(::setns(helper.init_pidfd, helper.namespaces)));
  must(Step::close_fds, errno_of(::close_range(kSyncFd + 1, ~0U, 0)));
  // setns(CLONE_NEWPID) only changes where children go: fork once more to be inside. CLONE_PARENT
  // makes the new process the caller's child, so the caller can wait for it through its pidfd; it
  // inherits our exit signal (SIGCHLD), and clone3 refuses one given with CLONE_PARENT (EINVAL).
  int pidfd = -1;
  const pid_t pid = sys::clone3(CLONE_PARENT | CLONE_PIDFD, &pidfd, 0);
  if (pid < 0) must(Step::fork_into_container, errno);
  if (pid == 0) exec_workload(*helper.workload);
  SyncMessage message;
  message.kind = SyncMessage::exec_pid;
  message.value = pid;
  must(Step::fork_into_container, send_message(kSyncFd, message, pidfd));
  ::_exit(0);
}

namespace {

// Above kSyncFd too: the helper puts the sync socket at kSyncFd, which must not clobber the pidfd,
// a cgroup.procs fd or the time namespace fd it still needs.
Result<UniqueFd> dup_above_stdio(int fd, const std::string& what) {
  UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, kSyncFd + 1));
  if (!copy) return Error::last_errno("fcntl(F_DUPFD_CLOEXEC) " + what);
  return copy;
}

// The helper cloned here, as a child of this process.
Result<sys::ChildProcess> clone_helper_here(const ExecHelper& helper, int clone_into_cgroup) {
  // The helper and the process are forks of this one (CVE-2019-5736, sys/sealed_binary.hpp).
  if (auto sealed = sys::check_sealed_binary(); !sealed) return std::move(sealed).error();
  int helper_pidfd = -1;
  pid_t helper_pid = -1;
  {
    sys::AllSignalsBlocked blocked;
    helper_pid = sys::clone3(CLONE_PIDFD, &helper_pidfd, SIGCHLD, clone_into_cgroup);
    if (helper_pid == 0) run_exec_helper(helper);
  }
  if (helper_pid < 0) return Error::last_errno("clone3");
  return sys::ChildProcess(helper_pid, UniqueFd(helper_pidfd));
}

Result<LaunchedExec> launch(int init_pidfd, const plan::ContainerPlan& plan,
                            const rootfs::ResolvedUser& user,
                            const security::CompiledSeccomp& seccomp, const ExecRequest& request,
                            Launcher* launcher) {
  if (request.argv.empty()) return Error::message("exec: empty command");
  ChildConfig config;
  fill_workload(config, plan, WorkloadRequest{request.argv, request.extra_env, request.workdir},
                user, seccomp);
  config.workload.controlling_terminal = request.controlling_terminal;

  std::vector<UniqueFd> cgroup_files;
  std::vector<int> cgroup_fds;
  for (const auto& path : request.cgroup_procs_files) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return Error::last_errno("open " + path.string());
    auto above = dup_above_stdio(fd.get(), path.string());
    if (!above) return std::move(above).error();
    cgroup_fds.push_back(above->get());
    cgroup_files.push_back(std::move(*above));
  }
  // A v1 `tasks` file takes the same "0" as cgroup.procs, without the kernel's global lock.
  for (int tasks : request.cgroup_entry.tasks) {
    auto above = dup_above_stdio(tasks, "cgroup tasks");
    if (!above) return std::move(above).error();
    cgroup_fds.push_back(above->get());
    cgroup_files.push_back(std::move(*above));
  }
  auto pidfd = dup_above_stdio(init_pidfd, "init pidfd");
  if (!pidfd) return std::move(pidfd).error();
  UniqueFd time_namespace;
  const NamespaceFlags namespaces = namespace_flags(plan.namespaces);
  if (namespaces.exec_joins_time) {
    auto opened = sys::open_namespace(pidfd->get(), sys::PidfdNamespace::time_for_children);
    if (!opened) return std::move(opened).error();
    auto above = dup_above_stdio(opened->get(), "time namespace");
    if (!above) return std::move(above).error();
    time_namespace = std::move(*above);
  }
  std::array<int, 2> pair{};
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair.data()) < 0) {
    return Error::last_errno("socketpair(sync)");
  }
  UniqueFd sync_parent(pair[0]);
  auto sync_child = dup_above_stdio(pair[1], "sync socket");
  ::close(pair[1]);
  if (!sync_child) return std::move(sync_child).error();

  ExecHelper helper;
  helper.workload = &config.workload;
  helper.sync = sync_child->get();
  helper.stdio[0] = request.stdin_fd;
  helper.stdio[1] = request.stdout_fd;
  helper.stdio[2] = request.stderr_fd;
  helper.init_pidfd = pidfd->get();
  helper.time_namespace = time_namespace ? time_namespace.get() : -1;
  helper.cgroup_procs = cgroup_fds.data();
  helper.cgroup_procs_count = cgroup_fds.size();
  helper.namespaces = static_cast<int>(namespaces.exec_setns);

  auto helper_process =
      launcher ? launcher->clone_exec_helper(config, helper, request.cgroup_entry.clone_into)
               : clone_helper_here(helper, request.cgroup_entry.clone_into);
  if (!helper_process) return std::move(helper_process).error();
  sync_child->reset();

  return LaunchedExec{std::move(*helper_process), std::move(sync_parent),
                      ExecProgress(std::move(config.details), request.argv.front())};
}

// Reads to EOF even after a failure: the process may fail before the helper's exec_pid arrives,
// and only with its pidfd can it be reaped (it is our child, no one else's).
Result<sys::ChildProcess> wait_until_executed(LaunchedExec launched) {
  for (;;) {
    UniqueFd passed;
    auto message =
        receive_message(launched.sync.get(), static_cast<int>(kSetupTimeout.count()), &passed);
    if (!message) {
      if (message.error().error_number() == ETIMEDOUT) {
        return Error::from_errno(launched.progress.waiting_for() + ": no word for " +
                                     std::to_string(kSetupTimeout.count()) + " ms, killed",
                                 ETIMEDOUT);
      }
      return std::move(message).error();
    }
    if (!*message) break;
    launched.progress.on_message(**message, std::move(passed));
  }
  auto helper_status = launched.helper.wait();
  if (!helper_status) return std::move(helper_status).error();
  return launched.progress.finish(*helper_status);
}

}  // namespace

ExecProgress::ExecProgress(std::vector<std::string> details, std::string command)
    : details_(std::move(details)), command_(std::move(command)) {}

void ExecProgress::on_message(const SyncMessage& message, UniqueFd passed) {
  if (message.kind == SyncMessage::failed && !failure_) failure_ = failure_error(message, details_);
  if (message.kind == SyncMessage::exec_pid && passed) {
    process_ = sys::ChildProcess(message.value, std::move(passed));
  }
}

Result<sys::ChildProcess> ExecProgress::finish(const sys::ExitStatus& helper_exit) {
  if (failure_) return std::move(*failure_);
  if (!process_.running()) {
    return Error::message("the exec helper ended with status " +
                          std::to_string(helper_exit.exit_code) + " before forking");
  }
  return std::move(process_);
}

std::string ExecProgress::waiting_for() const {
  if (process_.running()) return "exec " + command_ + " (the process had not reached its execve)";
  return "join the container (the exec helper had not forked " + command_ + ")";
}

Result<LaunchedExec> launch_exec(int init_pidfd, const plan::ContainerPlan& plan,
                                 const rootfs::ResolvedUser& user,
                                 const security::CompiledSeccomp& seccomp,
                                 const ExecRequest& request, Launcher* launcher) {
  auto launched = launch(init_pidfd, plan, user, seccomp, request, launcher);
  if (!launched) return std::move(launched).error().context("exec in container " + plan.name);
  return launched;
}

Result<sys::ChildProcess> exec_in_container(int init_pidfd, const plan::ContainerPlan& plan,
                                            const rootfs::ResolvedUser& user,
                                            const security::CompiledSeccomp& seccomp,
                                            const ExecRequest& request, Launcher* launcher) {
  auto launched = launch_exec(init_pidfd, plan, user, seccomp, request, launcher);
  if (!launched) return std::move(launched).error();
  auto process = wait_until_executed(std::move(*launched));
  if (!process) {
    return std::move(process).error().context("exec in container " + plan.name);
  }
  return process;
}

}  // namespace srcompose::runtime
