// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/status.hpp"
#include "spec/values.hpp"

#include <string.h>

#include <array>

namespace srcompose::supervisor {

std::string_view to_string(ContainerState state) {
  switch (state) {
    case ContainerState::waiting:
      return "waiting";
    case ContainerState::created:
      return "created";
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
  for (auto state : {ContainerState::waiting, ContainerState::created, ContainerState::starting,
                     ContainerState::running, ContainerState::paused, ContainerState::restarting,
                     ContainerState::stopping, ContainerState::exited, ContainerState::failed}) {
    if (to_string(state) == text) return state;
  }
  return ContainerState::failed;
}

// A struct of numbers is a JSON object with a key per member: these tables are the one list of
// the keys, for writing and for reading.
template <class Struct, class Number>
struct NumberField {
  std::string_view key;
  Number Struct::*member;
  bool optional = false;  // may be missing: state files written before the key existed
};

constexpr std::array<NumberField<WorkloadUsage, int64_t>, 5> kWorkloadUsageFields{{
    {"max_rss_kib", &WorkloadUsage::max_rss_kib},
    {"user_usec", &WorkloadUsage::user_usec},
    {"system_usec", &WorkloadUsage::system_usec},
    {"voluntary_switches", &WorkloadUsage::voluntary_switches},
    {"involuntary_switches", &WorkloadUsage::involuntary_switches},
}};

constexpr std::array<NumberField<ResourceUsage, uint64_t>, 13> kResourceUsageFields{{
    {"memory_current", &ResourceUsage::memory_current},
    {"memory_peak", &ResourceUsage::memory_peak},
    {"memory_limit", &ResourceUsage::memory_limit},
    {"cpu_user_usec", &ResourceUsage::cpu_user_usec},
    {"cpu_system_usec", &ResourceUsage::cpu_system_usec},
    {"pids_current", &ResourceUsage::pids_current},
    {"pids_peak", &ResourceUsage::pids_peak},
    {"io_read_bytes", &ResourceUsage::io_read_bytes},
    {"io_write_bytes", &ResourceUsage::io_write_bytes},
    {"io_read_ops", &ResourceUsage::io_read_ops},
    {"io_write_ops", &ResourceUsage::io_write_ops},
    {"oom_kills", &ResourceUsage::oom_kills},
    {"pids_limit_hits", &ResourceUsage::pids_limit_hits, /*optional=*/true},
}};

template <class Struct, class Number, size_t N>
json::object fields_to_json(const Struct& value,
                            const std::array<NumberField<Struct, Number>, N>& fields) {
  json::object object;
  for (const auto& field : fields)
    object.emplace(field.key, value.*field.member);
  return object;
}

json::value to_json(const std::optional<WorkloadUsage>& usage) {
  if (!usage) return nullptr;
  return fields_to_json(*usage, kWorkloadUsageFields);
}

json::object to_json(const RunEnd& end) {
  return {
      {"time", end.time},       {"status", end.verdict},          {"exit_code", end.exit_code},
      {"signal", end.signal},   {"core_dumped", end.core_dumped}, {"oom_killed", end.oom_killed},
      {"reason", end.reason()}, {"rusage", to_json(end.usage)}};
}

// Reads one JSON object's fields without throwing: a missing key or a wrong type is recorded (the
// first one) and the field keeps its default. `error()` says what was wrong.
class FieldReader {
 public:
  explicit FieldReader(const json::object& object) : object_(object) {}
  template <class T>
  void read(std::string_view key, T& out) {
    const json::value* value = object_.if_contains(key);
    if (!value) return fail(key, "missing");
    auto converted = json::try_value_to<T>(*value);
    if (!converted) return fail(key, "has the wrong type");
    out = std::move(*converted);
  }
  const json::object* object(std::string_view key) {
    const json::value* value = object_.if_contains(key);
    if (!value || !value->is_object()) {
      fail(key, "missing or not an object");
      return nullptr;
    }
    return &value->as_object();
  }
  const json::value* optional(std::string_view key) const { return object_.if_contains(key); }
  void fail(std::string_view key, const char* what) {
    if (!error_) error_ = "\"" + std::string(key) + "\" " + what;
  }
  void adopt(const std::optional<std::string>& inner) {
    if (inner && !error_) error_ = *inner;
  }
  const std::optional<std::string>& error() const { return error_; }
  // Every field of the table into `out`.
  template <class Struct, class Number, size_t N>
  void read_fields(const std::array<NumberField<Struct, Number>, N>& fields, Struct& out) {
    for (const auto& field : fields) {
      if (field.optional && optional(field.key) == nullptr) continue;
      read(field.key, out.*field.member);
    }
  }

 private:
  const json::object& object_;
  std::optional<std::string> error_;
};

// The workload's rusage (null when the init could not report it).
std::optional<WorkloadUsage> workload_usage_from_json(const json::value* value,
                                                      FieldReader& outer) {
  if (!value || !value->is_object()) return std::nullopt;
  FieldReader reader(value->as_object());
  WorkloadUsage usage;
  reader.read_fields(kWorkloadUsageFields, usage);
  outer.adopt(reader.error());
  return usage;
}

RunEnd run_end_from_json(const json::object& object, FieldReader& outer) {
  FieldReader reader(object);
  RunEnd end;
  reader.read("time", end.time);
  reader.read("exit_code", end.exit_code);
  reader.read("signal", end.signal);
  reader.read("oom_killed", end.oom_killed);
  if (reader.optional("status")) reader.read("status", end.verdict);
  if (reader.optional("core_dumped")) reader.read("core_dumped", end.core_dumped);
  end.usage = workload_usage_from_json(reader.optional("rusage"), reader);
  outer.adopt(reader.error());
  return end;
}

json::object to_json(const ResourceUsage& usage) {
  return fields_to_json(usage, kResourceUsageFields);
}

ResourceUsage usage_from_json(const json::object& object, FieldReader& outer) {
  FieldReader reader(object);
  ResourceUsage usage;
  reader.read_fields(kResourceUsageFields, usage);
  outer.adopt(reader.error());
  return usage;
}

json::array strings_to_json(const std::vector<std::string>& strings) {
  json::array array;
  for (const auto& text : strings)
    array.emplace_back(text);
  return array;
}

json::array ranges_to_json(const std::vector<spec::IdRange>& ranges) {
  json::array array;
  for (const auto& range : ranges)
    array.emplace_back(
        json::object{{"inside", range.inside}, {"outside", range.outside}, {"count", range.count}});
  return array;
}

std::vector<spec::IdRange> ranges_from_json(const json::value* value) {
  std::vector<spec::IdRange> ranges;
  if (!value || !value->is_array()) return ranges;
  for (const auto& entry : value->as_array()) {
    if (!entry.is_object()) continue;
    FieldReader reader(entry.as_object());
    spec::IdRange range;
    reader.read("inside", range.inside);
    reader.read("outside", range.outside);
    reader.read("count", range.count);
    if (!reader.error()) ranges.push_back(range);
  }
  return ranges;
}

}  // namespace

std::string RunEnd::reason() const {
  if (verdict == "cpu_time" || verdict == "wall_time") return verdict + " limit";
  if (oom_killed) return "OOM kill";
  if (signal != 0) {
    const std::string name = spec::signal_name(signal);  // the number alone when it has no name
    return "signal " + std::to_string(signal) +
           (name.starts_with("SIG") ? " (" + name + ")" : std::string()) +
           (core_dumped ? ", core dumped" : "");
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
                      {"uid_map", ranges_to_json(status.uid_map)},
                      {"gid_map", ranges_to_json(status.gid_map)},
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
                      {"rootfs_upper", status.rootfs_upper},
                      {"log_bytes_dropped", status.log_bytes_dropped}};
  object["last_end"] =
      status.last_end ? json::value(to_json(*status.last_end)) : json::value(nullptr);
  return object;
}

Result<ContainerStatus> container_status_from_json(const json::object& object) {
  FieldReader reader(object);
  ContainerStatus status;
  reader.read("name", status.name);
  std::string state;
  reader.read("state", state);
  status.state = state_from_string(state);
  reader.read("pid", status.pid);
  reader.read("addresses", status.addresses);
  status.uid_map = ranges_from_json(reader.optional("uid_map"));
  status.gid_map = ranges_from_json(reader.optional("gid_map"));
  reader.read("health", status.health);
  reader.read("started_at", status.started_at);
  reader.read("uptime_ms", status.uptime_ms);
  if (reader.optional("restart_count")) reader.read("restart_count", status.restart_count);
  if (const json::value* restarts = reader.optional("restarts"); restarts && restarts->is_array()) {
    for (const auto& end : restarts->as_array()) {
      if (end.is_object()) status.restarts.push_back(run_end_from_json(end.as_object(), reader));
    }
  } else {
    reader.fail("restarts", "missing or not an array");
  }
  if (const json::value* last = reader.optional("last_end"); last && last->is_object()) {
    status.last_end = run_end_from_json(last->as_object(), reader);
  }
  if (const json::object* usage = reader.object("usage"))
    status.usage = usage_from_json(*usage, reader);
  reader.read("wall_time_ms", status.wall_time_ms);
  reader.read("cgroup_procs_files", status.cgroup_procs_files);
  reader.read("error", status.error);
  reader.read("rootfs_image", status.rootfs_image);
  reader.read("rootfs_upper", status.rootfs_upper);
  if (reader.optional("log_bytes_dropped"))
    reader.read("log_bytes_dropped", status.log_bytes_dropped);
  if (reader.error()) return Error::message("container record: " + *reader.error());
  return status;
}

json::object report_record(const ContainerStatus& status) {
  json::array restarts;
  for (const auto& end : status.restarts)
    restarts.emplace_back(to_json(end));
  std::string verdict = status.state == ContainerState::failed ? "failed_to_start"
                        : status.last_end                      ? status.last_end->verdict
                                                               : "stopped";
  json::object record{{"name", status.name},
                      {"restart_count", status.restart_count},
                      {"status", verdict},
                      {"restarts", std::move(restarts)},
                      {"wall_time_ms", status.wall_time_ms},
                      {"cpu_user_usec", status.usage.cpu_user_usec},
                      {"cpu_system_usec", status.usage.cpu_system_usec},
                      {"memory_peak", status.usage.memory_peak},
                      {"pids_peak", status.usage.pids_peak},
                      {"io_read_bytes", status.usage.io_read_bytes},
                      {"io_write_bytes", status.usage.io_write_bytes},
                      {"oom_kills", status.usage.oom_kills},
                      {"pids_limit_hits", status.usage.pids_limit_hits},
                      {"log_bytes_dropped", status.log_bytes_dropped}};
  if (status.last_end) {
    record["core_dumped"] = status.last_end->core_dumped;
    record["rusage"] = to_json(status.last_end->usage);
    record["exit_code"] = status.last_end->exit_code;
    record["signal"] = status.last_end->signal;
    record["oom_killed"] = status.last_end->oom_killed;
  } else {
    record["exit_code"] = nullptr;
    record["core_dumped"] = false;
    record["rusage"] = nullptr;
    record["signal"] = 0;
    record["oom_killed"] = false;
  }
  record["error"] = status.error;
  return record;
}

}  // namespace srcompose::supervisor
