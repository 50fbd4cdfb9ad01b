// stop, start, restart, kill, pause, unpause: requests to the running supervisor.
#include <string.h>

#include <csignal>
#include <cstdio>

#include "cli/commands.hpp"
#include "supervisor/control_server.hpp"

namespace srcompose::cli {

namespace json = supervisor::json;

namespace {

// "KILL", "SIGKILL" or "9" -> 9.
Result<int> parse_signal(const std::string& text) {
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0])))
    return std::atoi(text.c_str());
  std::string name = text.rfind("SIG", 0) == 0 ? text.substr(3) : text;
  for (int number = 1; number < NSIG; ++number) {
    const char* abbreviation = sigabbrev_np(number);
    if (abbreviation && name == abbreviation) return number;
  }
  return Error::message("unknown signal " + text);
}

}  // namespace

int run_lifecycle(const GlobalOptions& global, const std::string& command,
                  const std::vector<std::string>& containers, const std::string& signal) {
  auto project = resolve_project(global, /*need_lab=*/false);
  if (!project) return report_error(project.error());
  json::object request{{"command", command}};
  json::array names;
  for (const auto& name : containers)
    names.emplace_back(name);
  request["containers"] = std::move(names);
  if (command == "kill") {
    auto number = parse_signal(signal);
    if (!number) return report_error(number.error());
    request["signal"] = *number;
  }
  auto reply = supervisor::send_control_request(project->paths.control_socket(), request);
  if (!reply) return report_error(Error::message("lab " + project->name + " is not up"));
  if (!reply->at("ok").as_bool()) {
    return report_error(Error::message(json::value_to<std::string>(reply->at("error"))));
  }
  return 0;
}

}  // namespace srcompose::cli
