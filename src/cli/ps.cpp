// SPDX-License-Identifier: GPL-2.0-or-later
// `srcompose ps`: the containers of a running lab, from its supervisor (live cgroup readings).
#include <algorithm>
#include <cstdio>

#include "cli/commands.hpp"
#include "supervisor/control_server.hpp"
#include "supervisor/status.hpp"

namespace srcompose::cli {

namespace json = supervisor::json;

namespace {

std::string human_duration(int64_t ms) {
  char text[32];
  if (ms < 60'000) {
    std::snprintf(text, sizeof text, "%llds", static_cast<long long>(ms / 1000));
  } else if (ms < 3'600'000) {
    std::snprintf(text, sizeof text, "%lldm%llds", static_cast<long long>(ms / 60'000),
                  static_cast<long long>(ms / 1000 % 60));
  } else {
    std::snprintf(text, sizeof text, "%lldh%lldm", static_cast<long long>(ms / 3'600'000),
                  static_cast<long long>(ms / 60'000 % 60));
  }
  return text;
}

void print_table(const std::vector<supervisor::ContainerStatus>& containers) {
  std::printf("%-16s %-18s %-8s %-26s %-16s %-4s %-8s %-20s %-9s\n", "NAME", "STATE", "PID",
              "ADDRESSES", "RESTARTS", "OOM", "UPTIME", "MEMORY", "CPU");
  for (const auto& status : containers) {
    std::string addresses;
    for (const auto& address : status.addresses)
      addresses += (addresses.empty() ? "" : ",") + address;
    std::string restarts = std::to_string(status.restart_count);
    if (!status.restarts.empty()) restarts += " (" + status.restarts.back().reason() + ")";
    std::string memory = human_bytes(status.usage.memory_current) + " / " +
                         (status.usage.memory_limit ? human_bytes(status.usage.memory_limit) : "-");
    double cpu_seconds =
        static_cast<double>(status.usage.cpu_user_usec + status.usage.cpu_system_usec) / 1e6;
    std::string state(supervisor::to_string(status.state));
    if (!status.health.empty()) state += "(" + status.health + ")";
    std::printf("%-16s %-18s %-8d %-26s %-16s %-4llu %-8s %-20s %.2fs\n", status.name.c_str(),
                state.c_str(), status.pid, addresses.c_str(), restarts.c_str(),
                static_cast<unsigned long long>(status.usage.oom_kills),
                status.pid ? human_duration(status.uptime_ms).c_str() : "-", memory.c_str(),
                cpu_seconds);
  }
}

// As docker compose ps: without -a, only the containers that are not over (exited or failed);
// --status picks states itself, -a or not.
bool shown(const PsArguments& arguments, supervisor::ContainerState state) {
  if (!arguments.states.empty()) {
    return std::find(arguments.states.begin(), arguments.states.end(),
                     supervisor::to_string(state)) != arguments.states.end();
  }
  return arguments.all || (state != supervisor::ContainerState::exited &&
                           state != supervisor::ContainerState::failed);
}

}  // namespace

int run_ps(const GlobalOptions& global, const PsArguments& arguments) {
  const bool json_output = arguments.format == "json" && !arguments.quiet && !arguments.services;
  auto project = resolve_project(global, /*need_lab=*/false);
  if (!project) return report_error(project.error());
  NoReply why;
  auto reply = ask_supervisor(*project, {{"command", "ps"}}, kQuickTimeout, &why);
  if (!reply && why == NoReply::not_up) {
    // A lab that is not up has no containers: not an error, as with docker compose ps.
    if (json_output) {
      std::printf("[]\n");
    } else if (!arguments.quiet && !arguments.services) {
      std::fprintf(stderr, "lab %s is not up\n", project->name.c_str());
    }
    return 0;
  }
  if (!reply) return report_error(reply.error());
  auto containers_value = reply->if_contains("containers");
  if (!containers_value || !containers_value->is_array())
    return report_error(Error::message("the supervisor's ps reply has no containers"));
  json::array shown_json;
  std::vector<supervisor::ContainerStatus> shown_containers;
  for (const auto& value : containers_value->as_array()) {
    auto decoded = value.is_object() ? supervisor::container_status_from_json(value.as_object())
                                     : Error::message("a container record is no object");
    if (!decoded) {
      std::fprintf(stderr, "srcompose: warning: %s\n", decoded.error().to_string().c_str());
      continue;
    }
    if (!shown(arguments, decoded->state)) continue;
    shown_json.push_back(value);
    shown_containers.push_back(std::move(*decoded));
  }
  if (json_output) {
    std::printf("%s\n", json::serialize(shown_json).c_str());
  } else if (arguments.quiet || arguments.services) {
    // A srcompose container is its own service and has no id but its name.
    for (const auto& status : shown_containers)
      std::printf("%s\n", status.name.c_str());
  } else {
    print_table(shown_containers);
  }
  return 0;
}

}  // namespace srcompose::cli
