// `srcompose run NAME [CMD...]` (docker compose run): NAME's dependencies started by their
// conditions, NAME in the foreground with its own output on the terminal, and everything torn down
// once NAME has ended. Other containers exiting, crashing or restarting never end it: the grader's
// run is over when the grader is.
#include <unistd.h>

#include <cstdlib>

#include "cli/commands.hpp"
#include "supervisor/lab_supervisor.hpp"

namespace srcompose::cli {

int run_run(const GlobalOptions& global, const RunArguments& arguments) {
  auto project = resolve_project(global, /*need_lab=*/true);
  if (!project) return report_error(project.error());
  spec::Lab& lab = *project->lab;
  if (!lab.find_container(arguments.container)) {
    return report_error(Error::message("run " + arguments.container + ": no such container in " +
                                       lab.file.string()));
  }
  plan::LabPlan plan = plan::plan_run(lab, arguments.container, arguments.command);
  fill_in_host_resolv_conf(plan);
  auto lock = claim_project(lab, plan, project->paths);
  if (!lock) return report_error(lock.error());

  supervisor::UpOptions options;
  options.run_container = arguments.container;
  if (!arguments.report_file.empty())
    options.report_file = std::filesystem::absolute(arguments.report_file);
  if (!arguments.results_dir.empty())
    options.results_dir = std::filesystem::absolute(arguments.results_dir);
  options.console.enabled = true;
  options.console.level = supervisor::log_level_from_environment();
  options.version = SRCOMPOSE_VERSION;
  options.console.color =
      !arguments.no_color && ::isatty(STDERR_FILENO) && std::getenv("NO_COLOR") == nullptr;
  supervisor::LabSupervisor lab_supervisor(lab, std::move(plan), project->paths,
                                           std::move(options));
  return lab_supervisor.run();
}

}  // namespace srcompose::cli
