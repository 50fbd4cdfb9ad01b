// SPDX-License-Identifier: GPL-2.0-or-later
// `srcompose up`: validate, plan, take the project's lock, and run the supervisor in the foreground
// or, with -d, in a detached child that tells the waiting parent when the lab is up.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.hpp"
#include "net/network.hpp"
#include "plan/lab_plan.hpp"
#include "spec/values.hpp"
#include "supervisor/cleanup.hpp"
#include "supervisor/id_registry.hpp"
#include "supervisor/lab_supervisor.hpp"
#include "supervisor/project_lock.hpp"
#include "supervisor/subnet_registry.hpp"
#include "sys/file_io.hpp"
#include "sys/inherited_fds.hpp"
#include "sys/kernel_features.hpp"

namespace srcompose::cli {

namespace {

supervisor::UpOptions up_options(const UpArguments& arguments, bool foreground) {
  supervisor::UpOptions options;
  options.wait_healthy = arguments.wait;
  options.abort_on_container_exit = arguments.abort_on_container_exit;
  options.exit_code_from = arguments.exit_code_from;
  if (!arguments.report_file.empty())
    options.report_file = std::filesystem::absolute(arguments.report_file);
  if (!arguments.results_dir.empty())
    options.results_dir = std::filesystem::absolute(arguments.results_dir);
  if (arguments.stop_timeout >= 0)
    options.stop_timeout = std::chrono::seconds(arguments.stop_timeout);
  options.no_start = arguments.no_start;
  options.console.enabled = foreground;
  options.console.level = supervisor::log_level_from_environment();
  options.console.color = foreground && !arguments.no_color && ::isatty(STDOUT_FILENO) &&
                          std::getenv("NO_COLOR") == nullptr;
  options.foreground = foreground;
  return options;
}

// The detached supervisor: a new session, stdio to supervisor.log, readiness told through
// `ready_fd`.
[[noreturn]] void run_detached_child(supervisor::LabSupervisor& lab_supervisor,
                                     const supervisor::StatePaths& paths) {
  ::setsid();
  // No terminal is ours any more; a SIGHUP from whoever started us must not end the lab.
  ::signal(SIGHUP, SIG_IGN);
  // Nor may it hold what its starter gave it (a lock, a pipe a script waits to see closed).
  sys::close_inherited_fds();
  int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int log = ::open(paths.supervisor_log().c_str(),
                   O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (null >= 0) ::dup2(null, STDIN_FILENO);
  if (log >= 0) {
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
  }
  std::_Exit(lab_supervisor.run());
}

int wait_for_detached_child(int ready_fd, const std::string& project) {
  std::string message;
  char buffer[512];
  for (ssize_t n; (n = ::read(ready_fd, buffer, sizeof buffer)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    message.append(buffer, static_cast<size_t>(n));
  }
  if (message.rfind("ok", 0) == 0) {
    std::fprintf(stderr, "lab %s is up\n", project.c_str());
    return 0;
  }
  if (message.rfind("error: ", 0) == 0) message.erase(0, 7);
  if (message.empty()) message = "the supervisor ended before the lab came up";
  while (!message.empty() && message.back() == '\n')
    message.pop_back();
  std::fprintf(stderr, "srcompose: error: %s\n", message.c_str());
  return 1;
}

}  // namespace

Result<ClaimedProject> claim_project(spec::Lab& lab, plan::PlanInputs inputs,
                                     const supervisor::StatePaths& paths) {
  warn_privileged_requests(lab);
  if (auto status = supervisor::create_state_dir(paths); !status) return status.error();
  auto lock = supervisor::ProjectLock::acquire(paths, lab.name);
  if (!lock) return std::move(lock).error();
  // Holding the lock, nobody else runs this project: whatever a crashed supervisor left is removed
  // before anything new is created, so its names cannot clash with ours. What it made is found
  // from its own state file (its storage and bridges), not from this lab file.
  if (std::filesystem::exists(paths.state_file())) {
    std::fprintf(stderr, "lab %s: removing what a previous supervisor left behind\n",
                 lab.name.c_str());
    auto old_state = read_state(paths);
    auto targets = supervisor::cleanup_targets_from_state(
        lab.name, old_state ? &*old_state : nullptr, lab.storage_dir);
    auto cleaned = supervisor::clean_up_project(targets);
    if (!cleaned) return std::move(cleaned).error();
    std::filesystem::remove(paths.state_file());
  }
  // Nothing of the lab exists yet: a lab that cannot get its subnets or id ranges leaves no state
  // directory, which would otherwise count as a lab that is up and hold what it registered.
  auto abandon = [&](Error error) {
    if (auto removed = supervisor::remove_state_dir(paths); !removed)
      std::fprintf(stderr, "srcompose: warning: %s\n", removed.error().to_string().c_str());
    return error;
  };
  // `subnet = "auto"` networks get theirs now, clear of the host's routes and the other labs.
  auto subnets = supervisor::reserve_subnets(paths, lab);
  if (!subnets) return abandon(std::move(subnets).error());
  if (!subnets->empty()) {
    spec::assign_auto_subnets(lab, *subnets);
    for (const auto& [network, subnet] : *subnets) {
      std::fprintf(stderr, "lab %s: network %s: subnet %s (auto)\n", lab.name.c_str(),
                   network.c_str(), spec::to_string(subnet).c_str());
    }
  }
  // Read once here, not at every start.
  inputs.host_resolv_conf = net::host_resolv_conf();
  // Other labs on the host may hold this lab's hashed id ranges: settled before anything starts.
  auto plan = supervisor::plan_with_id_ranges(paths, lab, std::move(inputs));
  if (!plan) return abandon(std::move(plan).error());
  auto copied = supervisor::read_small_file(lab.file, supervisor::Symlinks::follow);
  if (!copied) return std::move(copied).error();
  if (auto status = sys::write_file_atomically(paths.lab_copy(), *copied); !status) {
    return status.error();
  }
  auto variables = spec::format_env_file(lab.variables);
  if (auto status = sys::write_file_atomically(paths.lab_variables(), variables); !status) {
    return status.error();
  }
  // Intent before action: before the supervisor makes its first host resource, the state file
  // says where `down` must look (storage, bridge names); the supervisor rewrites it as it goes.
  if (auto status = sys::write_file_atomically(
          paths.state_file(), supervisor::json::serialize(supervisor::initial_state(*plan)) + "\n");
      !status) {
    return status.error();
  }
  return ClaimedProject{std::move(*lock), std::move(*plan)};
}

int run_up(const GlobalOptions& global, const UpArguments& arguments) {
  auto project = resolve_project(global, /*need_lab=*/true);
  if (!project) return report_error(project.error());
  spec::Lab& lab = *project->lab;
  if (!arguments.exit_code_from.empty() && !lab.find_container(arguments.exit_code_from)) {
    return report_error(Error::message("--exit-code-from " + arguments.exit_code_from +
                                       ": no such container in " + lab.file.string()));
  }
  std::optional<std::chrono::milliseconds> wait_timeout;
  if (!arguments.wait_timeout.empty()) {
    auto parsed = spec::parse_duration(arguments.wait_timeout);
    if (!parsed) return report_error(std::move(parsed).error().context("--wait-timeout"));
    wait_timeout = *parsed;
  }
  for (const auto& name : arguments.containers) {
    if (!lab.find_container(name))
      return report_error(
          Error::message("up " + name + ": no such container in " + lab.file.string()));
  }
  // A kernel below the floor is told as one error before anything is created.
  if (auto status = sys::check_kernel_floor(); !status) return report_error(status.error());

  const auto& paths = project->paths;
  plan::PlanInputs inputs;
  inputs.containers = arguments.containers;
  auto claimed = claim_project(lab, std::move(inputs), paths);
  if (!claimed) return report_error(claimed.error());
  auto& lock = claimed->lock;
  plan::LabPlan& plan = claimed->plan;

  // As in docker compose, --wait implies --detach: a foreground up never returns while the lab
  // runs.
  if (!arguments.detach && !arguments.wait && !arguments.no_start) {
    auto options = up_options(arguments, true);
    options.wait_timeout = wait_timeout;
    options.report_header = supervisor::make_report_header(lab, plan, SRCOMPOSE_VERSION);
    supervisor::LabSupervisor lab_supervisor(std::move(plan), paths, std::move(options));
    project->lab.reset();  // the supervisor reads only the plan: the lab's memory is not kept
    run_supervisor_to_exit(lab_supervisor);
  }

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) < 0) return report_error(Error::last_errno("pipe"));
  UniqueFd ready_read(pipe_fds[0]), ready_write(pipe_fds[1]);
  pid_t child = ::fork();
  if (child < 0) return report_error(Error::last_errno("fork"));
  if (child == 0) {
    ready_read.reset();
    // `down` finds a supervisor that does not answer through this pid: without it, the parent's
    // (soon gone) pid would be the lock's owner.
    if (auto recorded = lock.record_owner(::getpid()); !recorded) {
      std::fprintf(stderr, "srcompose: warning: %s\n", recorded.error().to_string().c_str());
    }
    auto options = up_options(arguments, false);
    options.wait_timeout = wait_timeout;
    options.report_header = supervisor::make_report_header(lab, plan, SRCOMPOSE_VERSION);
    int write_fd = ready_write.get();
    options.on_ready = [write_fd](const Status& status) {
      std::string message = status ? "ok\n" : "error: " + status.error().to_string() + "\n";
      [[maybe_unused]] ssize_t n = ::write(write_fd, message.data(), message.size());
      ::close(write_fd);
    };
    ready_write.release();
    supervisor::LabSupervisor lab_supervisor(std::move(plan), paths, std::move(options));
    project->lab.reset();
    run_detached_child(lab_supervisor, paths);
  }
  ready_write.reset();
  return wait_for_detached_child(ready_read.get(), lab.name);
}

}  // namespace srcompose::cli
