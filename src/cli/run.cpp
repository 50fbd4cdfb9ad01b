// SPDX-License-Identifier: GPL-2.0-or-later
// `srcompose run NAME [CMD...]` (docker compose run): NAME's dependencies started by their
// conditions, NAME in the foreground with its own output on the terminal, and everything torn down
// once NAME has ended. Other containers exiting, crashing or restarting never end it: the grader's
// run is over when the grader is.
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "cli/commands.hpp"
#include "runtime/launcher.hpp"
#include "supervisor/lab_supervisor.hpp"

namespace srcompose::cli {
namespace {

// The command, -e, -u and -w given to `run`, checked as the lab file's values are (a user is
// resolved in the rootfs at start, where a bad one is reported with its container).
Result<plan::RunOverrides> run_overrides(const RunArguments& arguments) {
  if (auto workdir = check_workdir_option(arguments.workdir); !workdir)
    return std::move(workdir).error();
  auto env = environment_options(arguments.env);
  if (!env) return std::move(env).error();
  plan::RunOverrides overrides;
  overrides.command = arguments.command;
  for (const auto& entry : *env) {
    size_t equals = entry.find('=');
    overrides.env[entry.substr(0, equals)] = entry.substr(equals + 1);
  }
  overrides.user = arguments.user;
  overrides.workdir = arguments.workdir;
  return overrides;
}

}  // namespace

int run_run(const GlobalOptions& global, const RunArguments& arguments) {
  // First: the launcher's exec and start (some 1.5 ms) run on another core while this one reads
  // the lab file and claims the project; started by the supervisor, they had held up the first
  // clone. This thread outlives the supervisor (run_supervisor_to_exit), as the launcher's
  // parent-death signal needs. A failure is no error here: the supervisor starts one again and
  // says why if that fails too.
  std::optional<runtime::Launcher> launcher;
  if (auto spawned = runtime::Launcher::spawn(); spawned) launcher = std::move(*spawned);
  auto project = resolve_project(global, /*need_lab=*/true);
  if (!project) return report_error(project.error());
  spec::Lab& lab = *project->lab;
  if (!lab.find_container(arguments.container)) {
    return report_error(Error::message("run " + arguments.container + ": no such container in " +
                                       lab.file.string()));
  }
  auto overrides = run_overrides(arguments);
  if (!overrides) return report_error(overrides.error());
  plan::PlanInputs inputs;
  inputs.containers = {arguments.container};
  inputs.run = std::move(*overrides);
  auto claimed = claim_project(lab, std::move(inputs), project->paths);
  if (!claimed) return report_error(claimed.error());

  supervisor::UpOptions options;
  options.run_container = arguments.container;
  if (!arguments.report_file.empty())
    options.report_file = std::filesystem::absolute(arguments.report_file);
  if (!arguments.results_dir.empty())
    options.results_dir = std::filesystem::absolute(arguments.results_dir);
  options.console.enabled = true;
  options.console.level = supervisor::log_level_from_environment();
  options.report_header = supervisor::make_report_header(lab, claimed->plan, SRCOMPOSE_VERSION);
  options.console.color =
      !arguments.no_color && ::isatty(STDERR_FILENO) && std::getenv("NO_COLOR") == nullptr;
  supervisor::LabSupervisor lab_supervisor(std::move(claimed->plan), project->paths,
                                           std::move(options), std::move(launcher));
  run_supervisor_to_exit(lab_supervisor);
}

}  // namespace srcompose::cli
