// `srcompose exec NAME CMD...`: runs a command inside a running container (its namespaces, cgroup,
// user, capabilities and seccomp filter), stdio passed through, its exit code returned.
#include <signal.h>

#include <cstdio>

#include "cli/commands.hpp"
#include "plan/lab_plan.hpp"
#include "rootfs/prepare.hpp"
#include "runtime/container.hpp"
#include "security/seccomp.hpp"
#include "supervisor/status.hpp"

namespace srcompose::cli {

namespace json = supervisor::json;

int run_exec(const GlobalOptions& global, const std::string& container,
             const std::vector<std::string>& argv) {
  auto project = resolve_project(global, /*need_lab=*/false);
  if (!project) return report_error(project.error());
  auto state = read_state(project->paths);
  if (!state) return report_error(Error::message("lab " + project->name + " is not up"));
  std::optional<supervisor::ContainerStatus> status;
  const auto* containers = state->if_contains("containers");
  if (!containers || !containers->is_array())
    return report_error(Error::message("corrupt state file: no \"containers\""));
  for (const auto& value : containers->as_array()) {
    if (!value.is_object()) continue;
    auto each = supervisor::container_status_from_json(value.as_object());
    if (!each) return report_error(std::move(each).error().context("state file"));
    if (each->name == container) status = std::move(*each);
  }
  if (!status)
    return report_error(Error::message("no container " + container + " in lab " + project->name));
  if (status->pid <= 0)
    return report_error(Error::message("container " + container + " is not running"));
  // Joining a frozen cgroup freezes the new process too: exec would hang until an unpause.
  if (status->state == supervisor::ContainerState::paused)
    return report_error(Error::message("container " + container + " is paused (unpause it first)"));

  auto lab = load_running_lab(*project);
  if (!lab) return report_error(lab.error());
  auto plan = plan::plan_lab(*lab);
  const plan::ContainerPlan* container_plan = plan.find(container);
  if (!container_plan)
    return report_error(Error::message("no container " + container + " in lab " + project->name));

  auto pidfd = sys::open_pidfd(status->pid);
  if (!pidfd) return report_error(std::move(pidfd).error().context("container " + container));
  rootfs::PreparedRootfs rootfs;
  rootfs.image = status->rootfs_image;
  rootfs.upper = status->rootfs_upper;
  auto user = rootfs::resolve_user(rootfs, container_plan->process.user);
  if (!user) return report_error(std::move(user).error().context("container " + container));
  auto seccomp = security::compile_seccomp(container_plan->security);
  if (!seccomp) return report_error(std::move(seccomp).error().context("container " + container));

  runtime::ExecRequest request;
  request.argv = argv;
  for (const auto& file : status->cgroup_procs_files)
    request.cgroup_procs_files.emplace_back(file);
  auto process =
      runtime::exec_in_container(pidfd->get(), *container_plan, *user, *seccomp, request);
  if (!process)
    return report_error(std::move(process).error().context("container " + container + ": exec"));
  // Ctrl-C reaches the command through the terminal's process group; srcompose itself only waits.
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGQUIT, SIG_IGN);
  auto exit = process->wait();
  if (!exit) return report_error(exit.error());
  return exit->exit_code;
}

}  // namespace srcompose::cli
