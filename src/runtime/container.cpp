// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime/container.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>

#include "cgroup/layout.hpp"
#include "runtime/child.hpp"
#include "runtime/child_config.hpp"
#include "runtime/launcher.hpp"
#include "runtime/namespaces.hpp"
#include "runtime/parent_mounts.hpp"
#include "runtime/sync.hpp"
#include "runtime/workload.hpp"
#include "sys/sealed_binary.hpp"
#include "sys/syscalls.hpp"
#include "userns/id_maps.hpp"

namespace srcompose::runtime {

namespace {

// The fds a child inherits must not sit on 0-2, which the child overwrites with its stdio.
Result<UniqueFd> above_stdio(UniqueFd fd, const char* what) {
  if (fd.get() > 2) return fd;
  UniqueFd moved(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
  if (!moved) return Error::last_errno(std::string("fcntl(F_DUPFD_CLOEXEC) ") + what);
  return moved;
}

struct Pipe {
  UniqueFd read, write;
};

Result<Pipe> make_output_pipe(const char* what) {
  std::array<int, 2> ends{};
  // Only the read end is non-blocking: the workload writes with ordinary blocking semantics.
  if (::pipe2(ends.data(), O_CLOEXEC) < 0) return Error::last_errno(std::string("pipe2 ") + what);
  Pipe pipe{UniqueFd(ends[0]), UniqueFd(ends[1])};
  if (::fcntl(pipe.read.get(), F_SETFL, O_NONBLOCK) < 0) {
    return Error::last_errno(std::string("fcntl(O_NONBLOCK) ") + what);
  }
  auto write = above_stdio(std::move(pipe.write), what);
  if (!write) return std::move(write).error();
  pipe.write = std::move(*write);
  return pipe;
}

// The container's clone from this process (tests, and callers without a launcher).
Result<sys::ChildProcess> clone_here(const ChildConfig& config, uint64_t clone_flags,
                                     const ChildFds& fds) {
  int pidfd = -1;
  pid_t pid = -1;
  int clone_error = 0;
  {
    sys::AllSignalsBlocked blocked;
    pid = sys::clone3(clone_flags | CLONE_PIDFD, &pidfd, SIGCHLD, fds.clone_into_cgroup);
    if (pid == 0) run_container_child(config, fds);
    clone_error = errno;
  }
  if (pid < 0) return Error::from_errno("clone3", clone_error);
  return sys::ChildProcess(pid, UniqueFd(pidfd));
}

Result<ClonedContainer> clone_child(const plan::ContainerPlan& plan,
                                    const rootfs::ResolvedUser& user,
                                    const security::CompiledSeccomp& seccomp, Launcher* launcher,
                                    const CgroupEntryFds& cgroup_entry) {
  // Before clone: everything that can fail without a process to clean up.
  if (cgroup_entry.tasks.size() > kMaxCgroupTasksFds) {
    return Error::message("more cgroup hierarchies than " + std::to_string(kMaxCgroupTasksFds));
  }
  auto binds = open_bind_sources(plan.rootfs, plan.userns);
  if (!binds) return std::move(binds).error();
  auto cgroups = cgroup::detect_host_once();
  if (!cgroups) return std::move(cgroups).error();
  const ChildConfig config = make_child_config(plan, user, seccomp, binds->is_file, **cgroups);
  const NamespaceFlags namespaces = namespace_flags(plan.namespaces);

  UniqueFd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null_fd) return Error::last_errno("open /dev/null");
  auto dev_null = above_stdio(std::move(null_fd), "/dev/null");
  if (!dev_null) return std::move(dev_null).error();
  auto out = make_output_pipe("stdout");
  if (!out) return std::move(out).error();
  auto err = make_output_pipe("stderr");
  if (!err) return std::move(err).error();
  auto end_report = make_output_pipe("end report");
  if (!end_report) return std::move(end_report).error();
  // Above the child's fixed numbers (kSyncFd, kEndReportFd), which its first dup3s overwrite.
  UniqueFd end_report_write(::fcntl(end_report->write.get(), F_DUPFD_CLOEXEC, kEndReportFd + 1));
  if (!end_report_write) return Error::last_errno("fcntl(F_DUPFD_CLOEXEC) end report");
  end_report->write.reset();
  std::array<int, 2> pair{};
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair.data()) < 0) {
    return Error::last_errno("socketpair(sync)");
  }
  UniqueFd sync_parent(pair[0]);
  auto sync_child = above_stdio(UniqueFd(pair[1]), "sync socket");
  if (!sync_child) return std::move(sync_child).error();

  ChildFds child_fds{sync_child->get(), dev_null->get(),        out->write.get(),
                     err->write.get(),  end_report_write.get(), cgroup_entry.clone_into};
  for (int tasks : cgroup_entry.tasks)
    child_fds.cgroup_tasks[child_fds.cgroup_tasks_count++] = tasks;
  auto init = launcher ? launcher->clone_container(config, namespaces.clone, child_fds)
                       : clone_here(config, namespaces.clone, child_fds);
  if (!init) return std::move(init).error();
  std::string command = config.workload.argv.size() > 1 ? config.workload.argv[0] : "";
  return ClonedContainer{
      LaunchedContainer{std::move(*init), std::move(sync_parent), std::move(out->read),
                        std::move(err->read), std::move(end_report->read),
                        SetupProgress(config.details, std::move(command))},
      std::move(binds->fds), (namespaces.clone & CLONE_NEWUSER) != 0};
  // The child's ends (sync_child, the pipes' write ends, /dev/null) close here: only its copies
  // stay open.
}

// Reads the child's reports until every child-side copy of the socket is closed: by the init after
// `ready`, by the workload when its execve succeeded.
Result<StartedContainer> wait_until_running(LaunchedContainer launched) {
  for (;;) {
    auto message = receive_message(launched.sync.get(), static_cast<int>(kSetupTimeout.count()));
    if (!message) {
      if (message.error().error_number() == ETIMEDOUT) {
        return setup_timeout_error(launched.progress, kSetupTimeout);
      }
      return std::move(message).error();
    }
    if (!*message) break;
    if (auto status = launched.progress.on_message(**message); !status) return status.error();
  }
  if (launched.progress.ready()) {
    return StartedContainer{std::move(launched.init), std::move(launched.stdout_read),
                            std::move(launched.stderr_read), std::move(launched.end_report_read)};
  }
  // EOF without a report: the child died before it could say why (killed, or a step before the sync
  // socket was in place).
  auto status = launched.init.wait();
  if (!status) return std::move(status).error();
  return init_ended_error(*status);
}

}  // namespace

SetupProgress::SetupProgress(std::vector<std::string> details, std::string command)
    : details_(std::move(details)), command_(std::move(command)) {}

Status SetupProgress::on_message(const SyncMessage& message) {
  if (message.kind == SyncMessage::failed) return failure_error(message, details_);
  if (message.kind == SyncMessage::ready) ready_ = true;
  return {};
}

std::string SetupProgress::waiting_for() const {
  if (ready_) return "exec " + command_ + " (the workload had not reached its execve)";
  return "set up the container (mounts, identity, the init)";
}

Error init_ended_error(const sys::ExitStatus& status) {
  return Error::message("the container's init ended during setup with status " +
                        std::to_string(status.exit_code));
}

Error setup_timeout_error(const SetupProgress& progress, std::chrono::milliseconds timeout) {
  return Error::from_errno(progress.waiting_for() + ": no word from the container for " +
                               std::to_string(timeout.count()) + " ms, killed",
                           ETIMEDOUT);
}

Result<ClonedContainer> clone_container(const plan::ContainerPlan& plan,
                                        const rootfs::ResolvedUser& user,
                                        const security::CompiledSeccomp& seccomp,
                                        Launcher* launcher, const CgroupEntryFds& cgroups) {
  // The init and the workload are forks of the launcher, which runs the sealed binary
  // (Launcher::spawn), or of this process, which then must (CVE-2019-5736,
  // sys/sealed_binary.hpp).
  if (auto sealed = launcher ? Status{} : sys::check_sealed_binary(); !sealed) {
    return std::move(sealed).error().context("container " + plan.name);
  }
  auto cloned = clone_child(plan, user, seccomp, launcher, cgroups);
  if (!cloned) return std::move(cloned).error().context("container " + plan.name);
  return cloned;
}

Result<std::vector<UniqueFd>> prepare_go(const plan::ContainerPlan& plan,
                                         const rootfs::PreparedRootfs& rootfs, GoInputs inputs,
                                         const StartHooks& hooks) {
  auto fail = [&](Error error) { return std::move(error).context("container " + plan.name); };
  // While the child waits for `go`: maps, the caller's hooks, the root mount (the idmap needs the
  // child's user namespace, which only exists now).
  UniqueFd userns;
  if (inputs.user_namespace) {
    if (auto status = userns::write_id_maps(inputs.pid, plan.userns); !status) {
      return fail(status.error());
    }
    auto opened = sys::open_namespace(inputs.pidfd, sys::PidfdNamespace::user);
    if (!opened) return fail(std::move(opened).error());
    userns = std::move(*opened);
  }
  if (hooks.after_clone) {
    if (auto status = hooks.after_clone(inputs.pid, inputs.pidfd); !status) {
      return fail(status.error());
    }
  }
  auto root = make_root_mount(rootfs, userns ? userns.get() : -1);
  if (!root) return fail(std::move(root).error());
  std::vector<UniqueFd> passed;
  passed.push_back(std::move(*root));
  for (auto& fd : inputs.bind_fds)
    passed.push_back(std::move(fd));
  return passed;
}

Result<LaunchedContainer> launch_container(const plan::ContainerPlan& plan,
                                           const rootfs::PreparedRootfs& rootfs,
                                           const rootfs::ResolvedUser& user,
                                           const security::CompiledSeccomp& seccomp,
                                           const StartHooks& hooks, Launcher* launcher) {
  auto cloned = clone_container(plan, user, seccomp, launcher, hooks.cgroup_entry);
  if (!cloned) return std::move(cloned).error();
  auto go = prepare_go(plan, rootfs, cloned->go_inputs(), hooks);
  if (!go) return std::move(go).error();
  if (auto status = send_go(cloned->launched.sync.get(), *go); !status) {
    return std::move(status).error().context("container " + plan.name);
  }
  go->clear();  // the child holds them now; ours would only keep detached mounts alive
  return std::move(cloned->launched);
}

Result<StartedContainer> start_container(const plan::ContainerPlan& plan,
                                         const rootfs::PreparedRootfs& rootfs,
                                         const rootfs::ResolvedUser& user,
                                         const security::CompiledSeccomp& seccomp,
                                         const StartHooks& hooks, Launcher* launcher) {
  auto launched = launch_container(plan, rootfs, user, seccomp, hooks, launcher);
  if (!launched) return std::move(launched).error();
  auto started = wait_until_running(std::move(*launched));
  if (!started) return std::move(started).error().context("container " + plan.name);
  return started;
}

}  // namespace srcompose::runtime
