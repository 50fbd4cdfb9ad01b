// SPDX-License-Identifier: GPL-2.0-or-later
// `srcompose exec [-d] [-i] [-t|-T] [-e KEY=VALUE] [-u USER] [-w DIR] NAME CMD...`: runs a command
// inside a running container (its namespaces, cgroup, user, capabilities and seccomp filter), stdio
// passed through or on a pseudo-terminal of the container's own devpts, its exit code returned.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>

#include "cli/commands.hpp"
#include "cli/terminal_relay.hpp"
#include "plan/lab_plan.hpp"
#include "rootfs/prepare.hpp"
#include "runtime/container.hpp"
#include "runtime/pty.hpp"
#include "supervisor/seccomp_cache.hpp"
#include "supervisor/status.hpp"

namespace srcompose::cli {

namespace json = supervisor::json;

namespace {

// The state file's record of a running, unpaused container.
Result<supervisor::ContainerStatus> running_container(const ProjectRef& project,
                                                      const std::string& container) {
  auto state = read_state(project.paths);
  if (!state) return Error::message("lab " + project.name + " is not up");
  auto statuses = decode_containers(*state, "state file");
  if (!statuses) return std::move(statuses).error();
  std::optional<supervisor::ContainerStatus> status;
  for (auto& each : *statuses) {
    if (each.name == container) status = std::move(each);
  }
  if (!status) return Error::message("no container " + container + " in lab " + project.name);
  if (status->pid <= 0) return Error::message("container " + container + " is not running");
  // Joining a frozen cgroup freezes the new process too: exec would hang until an unpause.
  if (status->state == supervisor::ContainerState::paused)
    return Error::message("container " + container + " is paused (unpause it first)");
  return std::move(*status);
}

bool has_variable(const std::vector<std::string>& env, std::string_view name) {
  for (const auto& entry : env) {
    if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=')
      return true;
  }
  return false;
}

// The container's plan from the running lab's file (-w and -u go into the request, not the plan).
Result<plan::ContainerPlan> exec_plan(const ProjectRef& project, const ExecArguments& arguments) {
  auto lab = load_running_lab(project);
  if (!lab) return std::move(lab).error();
  auto plan = plan::plan_lab(*lab);
  const plan::ContainerPlan* found = plan.find(arguments.container);
  if (!found)
    return Error::message("no container " + arguments.container + " in lab " + project.name);
  return *found;
}

// What the command's stdio is: a pty of the container's devpts (compose's default when ours is a
// terminal; -t asks for one anyway, -T never), /dev/null with -d, or ours.
struct ExecStdio {
  std::optional<runtime::ContainerPty> pty;
  UniqueFd null;
};

Result<ExecStdio> exec_stdio(int pidfd, const ExecArguments& arguments,
                             runtime::ExecRequest& request) {
  const bool tty = !arguments.detach && !arguments.no_tty &&
                   (arguments.tty || (::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO)));
  ExecStdio stdio;
  if (tty) {
    auto opened = runtime::open_container_pty(pidfd);
    if (!opened) return std::move(opened).error();
    stdio.pty = std::move(*opened);
    copy_window_size(stdio.pty->master.get());
    request.stdin_fd = request.stdout_fd = request.stderr_fd = stdio.pty->slave.get();
    request.controlling_terminal = true;
  } else if (arguments.detach) {
    stdio.null.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!stdio.null) return Error::last_errno("open /dev/null");
    request.stdin_fd = request.stdout_fd = request.stderr_fd = stdio.null.get();
  }
  return stdio;
}

// Waits for the command (relaying the terminal when it has a pty) and returns its exit code.
int wait_for_command(sys::ChildProcess& process, ExecStdio& stdio) {
  // Ctrl-C reaches the command through the terminal (ours, or the pty's line discipline);
  // srcompose itself only waits.
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGQUIT, SIG_IGN);
  Result<sys::ExitStatus> exit = Error::message("not run");
  if (stdio.pty) {
    stdio.pty->slave.reset();  // the pty's end of input is the process's, not ours
    exit = relay_terminal(stdio.pty->master.get(), process);
  } else {
    exit = process.wait();
  }
  if (!exit) return report_error(exit.error());
  return exit->exit_code;
}

}  // namespace

int run_exec(const GlobalOptions& global, const ExecArguments& arguments) {
  const std::string& container = arguments.container;
  auto project = resolve_project(global, /*need_lab=*/false);
  if (!project) return report_error(project.error());
  auto status = running_container(*project, container);
  if (!status) return report_error(status.error());
  if (auto workdir = check_workdir_option(arguments.workdir); !workdir)
    return report_error(workdir.error());
  auto extra_env = environment_options(arguments.env);
  if (!extra_env) return report_error(extra_env.error());
  auto container_plan = exec_plan(*project, arguments);
  if (!container_plan) return report_error(container_plan.error());

  auto pidfd = sys::open_pidfd(status->pid);
  if (!pidfd) return report_error(std::move(pidfd).error().context("container " + container));
  rootfs::PreparedRootfs rootfs;
  rootfs.image = status->rootfs_image;
  rootfs.upper = status->rootfs_upper;
  // A name is looked up in the container's own /etc/passwd, read beneath its layers (never NSS),
  // exactly as the lab file's `user` is at start.
  auto user = rootfs::resolve_user(
      rootfs, arguments.user.empty() ? container_plan->process.user : arguments.user);
  if (!user) {
    return report_error(std::move(user).error().context(
        "container " + container + (arguments.user.empty() ? "" : ": -u " + arguments.user)));
  }
  if (!arguments.user.empty() && !has_variable(*extra_env, "HOME"))
    extra_env->push_back("HOME=" + user->home);
  // The cache takes the filter baked at build time when the container's rules are its rules.
  supervisor::SeccompCache seccomp_cache;
  auto seccomp = seccomp_cache.get(container_plan->security);
  if (!seccomp) return report_error(std::move(seccomp).error().context("container " + container));

  runtime::ExecRequest request;
  request.argv = arguments.command;
  request.extra_env = std::move(*extra_env);
  request.workdir = arguments.workdir;
  for (const auto& file : status->cgroup_procs_files)
    request.cgroup_procs_files.emplace_back(file);
  auto stdio = exec_stdio(pidfd->get(), arguments, request);
  if (!stdio) return report_error(std::move(stdio).error().context("container " + container));
  auto process =
      runtime::exec_in_container(pidfd->get(), *container_plan, *user, **seccomp, request);
  if (!process)
    return report_error(std::move(process).error().context("container " + container + ": exec"));
  if (arguments.detach) {
    // It runs on in the container; its exit is reaped by whoever inherits it.
    process->release();
    return 0;
  }
  return wait_for_command(*process, *stdio);
}

void add_exec_command(CLI::App& app, GlobalOptions& global, int& status) {
  auto arguments = std::make_shared<ExecArguments>();
  auto* exec = app.add_subcommand("exec", "Run a command inside a running container");
  exec->add_flag("-d,--detach", arguments->detach, "Run it in the background, output discarded");
  exec->add_flag("-i,--interactive", arguments->interactive,
                 "Keep stdin attached (always: accepted for compose's -it)");
  exec->add_flag("-t,--tty", arguments->tty,
                 "Give it a pseudo-terminal (the default when stdin and stdout are terminals)");
  exec->add_flag("-T,--no-TTY,--no-tty", arguments->no_tty, "No pseudo-terminal");
  add_process_options(*exec, arguments->env, arguments->user, arguments->workdir);
  exec->add_option("container", arguments->container, "Container")->required();
  // Everything after the container name is the command, its options included (`exec web sh -c
  // ...`): prefix_command stops CLI11 from parsing it.
  exec->prefix_command();
  // The command's own arguments stay with exec: they must not fall through to srcompose's options,
  // so exec declares the global ones itself (`srcompose exec -p lab web sh -c ...`).
  exec->fallthrough(false);
  add_global_options_to(*exec, global);
  exec->footer("COMMAND [ARG...] follows the container name.");
  exec->callback([exec, arguments, &global, &status] {
    arguments->command = command_after_container(*exec);
    if (arguments->command.empty()) {
      status = report_error(Error::message("exec: no command given after the container name"));
      return;
    }
    if (arguments->tty && arguments->no_tty) {
      status = report_error(Error::message("exec: -t and -T contradict each other"));
      return;
    }
    status = run_exec(global, *arguments);
  });
}

}  // namespace srcompose::cli
