#include "supervisor/status.hpp"

#include <string.h>

namespace srcompose::supervisor {

std::string_view to_string(ContainerState state) {
  switch (state) {
    case ContainerState::waiting:
      return "waiting";
    case ContainerState::starting:
      return "starting";
    case ContainerState::running:
      return "running";
    case ContainerState::paused:
      return "paused";
    case ContainerState::restarting:
      return "restarting";
    case ContainerState::stopping:
      return "stopping";
    case ContainerState::exited:
      return "exited";
    case ContainerState::failed:
      return "failed";
  }
  return "unknown";
}

namespace {

ContainerState state_from_string(std::string_view text) {
  for (auto state : {ContainerState::waiting, ContainerState::starting, ContainerState::running,
                     ContainerState::paused, ContainerState::restarting, ContainerState::stopping,
                     ContainerState::exited, ContainerState::failed}) {
    if (to_string(state) == text) return state;
  }
  return ContainerState::failed;
}

json::object to_json(const RunEnd& end) {
  return {{"time", end.time},
          {"exit_code", end.exit_code},
          {"signal", end.signal},
          {"oom_killed", end.oom_killed},
          {"reason", end.reason()}};
}

RunEnd run_end_from_json(const json::object& object) {
  RunEnd end;
  end.time = json::value_to<std::string>(object.at("time"));
  end.exit_code = json::value_to<int>(object.at("exit_code"));
  end.signal = json::value_to<int>(object.at("signal"));
  end.oom_killed = object.at("oom_killed").as_bool();
  return end;
}

json::object to_json(const ResourceUsage& usage) {
  return {{"memory_current", usage.memory_current},
          {"memory_peak", usage.memory_peak},
          {"memory_limit", usage.memory_limit},
          {"cpu_user_usec", usage.cpu_user_usec},
          {"cpu_system_usec", usage.cpu_system_usec},
          {"pids_current", usage.pids_current},
          {"pids_peak", usage.pids_peak},
          {"io_read_bytes", usage.io_read_bytes},
          {"io_write_bytes", usage.io_write_bytes},
          {"io_read_ops", usage.io_read_ops},
          {"io_write_ops", usage.io_write_ops},
          {"oom_kills", usage.oom_kills}};
}

ResourceUsage usage_from_json(const json::object& object) {
  auto number = [&](const char* key) { return json::value_to<uint64_t>(object.at(key)); };
  ResourceUsage usage;
  usage.memory_current = number("memory_current");
  usage.memory_peak = number("memory_peak");
  usage.memory_limit = number("memory_limit");
  usage.cpu_user_usec = number("cpu_user_usec");
  usage.cpu_system_usec = number("cpu_system_usec");
  usage.pids_current = number("pids_current");
  usage.pids_peak = number("pids_peak");
  usage.io_read_bytes = number("io_read_bytes");
  usage.io_write_bytes = number("io_write_bytes");
  usage.io_read_ops = number("io_read_ops");
  usage.io_write_ops = number("io_write_ops");
  usage.oom_kills = number("oom_kills");
  return usage;
}

json::array strings_to_json(const std::vector<std::string>& strings) {
  json::array array;
  for (const auto& text : strings)
    array.emplace_back(text);
  return array;
}

std::vector<std::string> strings_from_json(const json::value& value) {
  return json::value_to<std::vector<std::string>>(value);
}

}  // namespace

std::string RunEnd::reason() const {
  if (oom_killed) return "OOM kill";
  if (signal != 0) {
    const char* name = sigabbrev_np(signal);
    return "signal " + std::to_string(signal) + (name ? std::string(" (SIG") + name + ")" : "");
  }
  return "exit code " + std::to_string(exit_code);
}

json::object to_json(const ContainerStatus& status) {
  json::array restarts;
  for (const auto& end : status.restarts)
    restarts.emplace_back(to_json(end));
  json::object object{{"name", status.name},
                      {"state", to_string(status.state)},
                      {"pid", status.pid},
                      {"addresses", strings_to_json(status.addresses)},
                      {"health", status.health},
                      {"started_at", status.started_at},
                      {"uptime_ms", status.uptime_ms},
                      {"restart_count", status.restart_count},
                      {"restarts", std::move(restarts)},
                      {"usage", to_json(status.usage)},
                      {"wall_time_ms", status.wall_time_ms},
                      {"cgroup_procs_files", strings_to_json(status.cgroup_procs_files)},
                      {"error", status.error},
                      {"rootfs_image", status.rootfs_image},
                      {"rootfs_upper", status.rootfs_upper}};
  object["last_end"] =
      status.last_end ? json::value(to_json(*status.last_end)) : json::value(nullptr);
  return object;
}

ContainerStatus container_status_from_json(const json::object& object) {
  ContainerStatus status;
  status.name = json::value_to<std::string>(object.at("name"));
  status.state = state_from_string(object.at("state").as_string());
  status.pid = json::value_to<pid_t>(object.at("pid"));
  status.addresses = strings_from_json(object.at("addresses"));
  status.health = json::value_to<std::string>(object.at("health"));
  status.started_at = json::value_to<std::string>(object.at("started_at"));
  status.uptime_ms = json::value_to<int64_t>(object.at("uptime_ms"));
  for (const auto& end : object.at("restarts").as_array()) {
    status.restarts.push_back(run_end_from_json(end.as_object()));
  }
  if (object.at("last_end").is_object()) {
    status.last_end = run_end_from_json(object.at("last_end").as_object());
  }
  status.usage = usage_from_json(object.at("usage").as_object());
  status.wall_time_ms = json::value_to<int64_t>(object.at("wall_time_ms"));
  status.cgroup_procs_files = strings_from_json(object.at("cgroup_procs_files"));
  status.error = json::value_to<std::string>(object.at("error"));
  status.rootfs_image = json::value_to<std::string>(object.at("rootfs_image"));
  status.rootfs_upper = json::value_to<std::string>(object.at("rootfs_upper"));
  return status;
}

json::object report_record(const ContainerStatus& status) {
  json::array restarts;
  for (const auto& end : status.restarts)
    restarts.emplace_back(to_json(end));
  json::object record{{"name", status.name},
                      {"restart_count", status.restart_count},
                      {"restarts", std::move(restarts)},
                      {"wall_time_ms", status.wall_time_ms},
                      {"cpu_user_usec", status.usage.cpu_user_usec},
                      {"cpu_system_usec", status.usage.cpu_system_usec},
                      {"memory_peak", status.usage.memory_peak},
                      {"pids_peak", status.usage.pids_peak},
                      {"io_read_bytes", status.usage.io_read_bytes},
                      {"io_write_bytes", status.usage.io_write_bytes},
                      {"oom_kills", status.usage.oom_kills}};
  if (status.last_end) {
    record["exit_code"] = status.last_end->exit_code;
    record["signal"] = status.last_end->signal;
    record["oom_killed"] = status.last_end->oom_killed;
  } else {
    record["exit_code"] = nullptr;
    record["signal"] = 0;
    record["oom_killed"] = false;
  }
  if (!status.error.empty()) record["error"] = status.error;
  return record;
}

}  // namespace srcompose::supervisor
