// stop, start, restart, kill, pause, unpause: requests to the running supervisor.
#include <string.h>

#include <charconv>
#include <csignal>
#include <cstdio>

#include "cli/commands.hpp"
#include "supervisor/control_server.hpp"

namespace srcompose::cli {

namespace json = supervisor::json;

namespace {

// "KILL", "SIGKILL" or "9" -> 9. A number must be all digits and name a real signal (1 to 64): "9x"
// is no 9, and 0 sends nothing (kill(2)'s existence check).
Result<int> parse_signal(const std::string& text) {
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0]))) {
    int number = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc{} || end != text.data() + text.size() || number < 1 || number >= NSIG) {
      return Error::message("invalid signal " + text + " (a name such as TERM, or 1 to " +
                            std::to_string(NSIG - 1) + ")");
    }
    return number;
  }
  std::string name = text.rfind("SIG", 0) == 0 ? text.substr(3) : text;
  for (int number = 1; number < NSIG; ++number) {
    const char* abbreviation = sigabbrev_np(number);
    if (abbreviation && name == abbreviation) return number;
  }
  return Error::message("unknown signal " + text);
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
