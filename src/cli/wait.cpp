// SPDX-License-Identifier: GPL-2.0-or-later
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
  auto reply =
      ask_supervisor(*project, {{"command", "wait"}, {"containers", std::move(names)}}, kNoTimeout);
  if (!reply) return report_error(reply.error());
  auto codes_value = reply->if_contains("exit_codes");
  if (!codes_value || !codes_value->is_array() ||
      codes_value->as_array().size() != containers.size())
    return report_error(Error::message("the supervisor's wait reply has no exit codes"));
  const auto& codes = codes_value->as_array();
  for (size_t i = 0; i < codes.size(); ++i) {
    std::printf("%s: %s\n", containers[i].c_str(),
                codes[i].is_null() ? "never ran" : json::serialize(codes[i]).c_str());
  }
  if (codes.empty() || codes.front().is_null()) return supervisor::kRunNeverRan;
  return codes.front().is_int64() ? static_cast<int>(codes.front().as_int64()) : 1;
}

}  // namespace srcompose::cli
