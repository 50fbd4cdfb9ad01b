// SPDX-License-Identifier: GPL-2.0-or-later
// stop, start, restart, kill, pause, unpause: requests to the running supervisor.
#include "cli/commands.hpp"
#include "spec/values.hpp"
#include "supervisor/control_server.hpp"

namespace srcompose::cli {

namespace json = supervisor::json;

namespace {

// "KILL", "SIGKILL", "sigkill" or "9" -> 9, as a lab file's stop_signal is read. 0 (kill(2)'s
// existence check) is no signal.
Result<int> parse_signal(const std::string& text) {
  auto number = spec::parse_signal(text);
  if (!number) return std::move(number).error().context("invalid signal " + text);
  return number;
}

}  // namespace

int run_lifecycle(const GlobalOptions& global, const std::string& command,
                  const std::vector<std::string>& containers, const std::string& signal,
                  int stop_timeout) {
  json::object request{{"command", command}};
  if (stop_timeout >= 0) request["timeout_ms"] = int64_t{stop_timeout} * 1000;
  if (command == "kill") {
    auto number = parse_signal(signal);
    if (!number) return report_error(number.error());
    request["signal"] = *number;
  }
  auto project = resolve_project(global, /*need_lab=*/false);
  if (!project) return report_error(project.error());
  json::array names;
  for (const auto& name : containers)
    names.emplace_back(name);
  request["containers"] = std::move(names);
  // start and restart wait until the containers run, which may wait on dependencies' health.
  auto timeout = command == "start" || command == "restart" ? kNoTimeout : kQuickTimeout;
  auto reply = ask_supervisor(*project, request, timeout);
  if (!reply) return report_error(reply.error());
  return 0;
}

}  // namespace srcompose::cli
