// `srcompose wait NAME...` (docker compose wait): blocks until the named containers have ended for
// good; the exit status is the first one's exit code.
#include <cstdio>

#include "cli/commands.hpp"
#include "supervisor/control_server.hpp"
#include "supervisor/lab_supervisor.hpp"

namespace srcompose::cli {

namespace json = supervisor::json;

int run_wait(const GlobalOptions& global, const std::vector<std::string>& containers) {
  auto project = resolve_project(global, /*need_lab=*/false);
  if (!project) return report_error(project.error());
  json::array names;
  for (const auto& name : containers)
    names.emplace_back(name);
  auto reply = supervisor::send_control_request(
      project->paths.control_socket(), {{"command", "wait"}, {"containers", std::move(names)}});
  if (!reply) return report_error(Error::message("lab " + project->name + " is not up"));
  if (!reply->at("ok").as_bool()) {
    return report_error(Error::message(json::value_to<std::string>(reply->at("error"))));
  }
  const auto& codes = reply->at("exit_codes").as_array();
  for (size_t i = 0; i < codes.size(); ++i) {
    std::printf("%s: %s\n", containers[i].c_str(),
                codes[i].is_null() ? "never ran" : json::serialize(codes[i]).c_str());
  }
  if (codes.empty() || codes.front().is_null()) return supervisor::kRunNeverRan;
  return static_cast<int>(codes.front().as_int64());
}

}  // namespace srcompose::cli
