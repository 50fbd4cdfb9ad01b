// SPDX-License-Identifier: GPL-2.0-or-later
#include "batch/results.hpp"

#include <cstdio>
#include <ctime>

#include "supervisor/state_dir.hpp"

namespace srcompose::batch {
namespace {

const json::object* find_record(const json::object& report, std::string_view name) {
  const json::value* containers = report.if_contains("containers");
  if (!containers || !containers->is_array()) return nullptr;
  for (const auto& record : containers->as_array()) {
    if (!record.is_object()) continue;
    const json::value* record_name = record.as_object().if_contains("name");
    if (record_name && record_name->is_string() && record_name->as_string() == name)
      return &record.as_object();
  }
  return nullptr;
}

std::string string_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::optional<int64_t> integer_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (!value) return std::nullopt;
  if (value->is_int64()) return value->as_int64();
  if (value->is_uint64()) return static_cast<int64_t>(value->as_uint64());
  return std::nullopt;
}

// The last "srcompose: error: ..." line of the run's output, without the prefix.
std::string last_error_line(std::string_view output) {
  constexpr std::string_view kPrefix = "srcompose: error: ";
  size_t at = output.rfind(kPrefix);
  if (at == std::string_view::npos || (at > 0 && output[at - 1] != '\n')) return {};
  std::string_view rest = output.substr(at + kPrefix.size());
  return std::string(rest.substr(0, rest.find('\n')));
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

// The report's user and system CPU time, together, in ms.
std::optional<int64_t> cpu_time_ms(const json::object& record) {
  auto user = integer_field(record, "cpu_user_usec");
  auto system = integer_field(record, "cpu_system_usec");
  if (!user || !system) return std::nullopt;
  return (*user + *system) / 1000;
}

std::string optional_text(const std::optional<int64_t>& value) {
  return value ? std::to_string(*value) : std::string();
}

}  // namespace

std::string format_item_end(const ItemEnd& end) {
  return json::serialize(json::object{{"exit_code", end.exit_code},
                                      {"started_at", end.started_at},
                                      {"ended_at", end.ended_at},
                                      {"duration_ms", end.duration_ms},
                                      {"host", end.host},
                                      {"error", end.error}}) +
         "\n";
}

std::optional<ItemEnd> parse_item_end(std::string_view text) {
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  if (error || !value.is_object()) return std::nullopt;
  const auto& object = value.as_object();
  auto exit_code = integer_field(object, "exit_code");
  if (!exit_code) return std::nullopt;
  ItemEnd end;
  end.exit_code = static_cast<int>(*exit_code);
  end.started_at = string_field(object, "started_at");
  end.ended_at = string_field(object, "ended_at");
  end.duration_ms = integer_field(object, "duration_ms").value_or(0);
  end.host = string_field(object, "host");
  end.error = string_field(object, "error");
  return end;
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::done:
      return "done";
    case Outcome::failed:
      return "failed";
    case Outcome::not_run:
      return "not_run";
  }
  return "unknown";
}

std::string container_status(const json::object& record) {
  return string_field(record, "status");
}

ItemResult judge_item(const Item& item, std::string project,
                      const std::optional<std::string>& end_text,
                      const std::optional<std::string>& report_text, std::string_view run_output,
                      std::string_view run_container) {
  ItemResult result;
  result.item = item.name;
  result.key = item.key;
  result.project = std::move(project);
  if (report_text) {
    boost::system::error_code error;
    json::value report = json::parse(*report_text, error);
    if (!error && report.is_object()) result.report = std::move(report.as_object());
  }
  if (const json::object* record = find_record(result.report, run_container)) {
    if (auto code = integer_field(*record, "exit_code")) result.exit_code = static_cast<int>(*code);
    result.status = container_status(*record);
  }
  if (!end_text) return result;  // not_run: never started, or interrupted
  result.end = parse_item_end(*end_text);
  result.outcome = Outcome::failed;
  if (!result.end) {
    result.error = std::string(kItemEndFile) + " is damaged";
  } else if (!result.end->error.empty()) {
    result.error = result.end->error;
  } else if (!report_text) {
    result.error =
        "no report.json (srcompose run exited with " + std::to_string(result.end->exit_code) + ")";
  } else if (result.report.empty()) {
    result.error = "report.json is damaged";
  } else if (!find_record(result.report, run_container)) {
    result.error = "report.json has no container " + std::string(run_container);
  } else if (!result.exit_code) {
    const json::object& record = *find_record(result.report, run_container);
    result.error = string_field(record, "error");
    if (result.error.empty()) result.error = std::string(run_container) + " never ran";
  } else {
    result.outcome = Outcome::done;
  }
  if (result.outcome == Outcome::failed) {
    if (auto line = last_error_line(run_output); !line.empty() && line != result.error)
      result.error += result.error.empty() ? line : ": " + line;
  }
  return result;
}

ItemResult read_item_result(const Item& item, std::string project, const std::filesystem::path& out,
                            std::string_view run_container) {
  auto dir = out / item.key;
  auto read = [&dir](const char* name) -> std::optional<std::string> {
    auto text = supervisor::read_small_file(dir / name);
    if (!text) return std::nullopt;
    return std::move(*text);
  };
  auto run_output = read(kRunOutputFile);
  return judge_item(item, std::move(project), read(kItemEndFile), read("report.json"),
                    run_output.value_or(""), run_container);
}

std::string summary_csv(const std::vector<ItemResult>& results,
                        const std::vector<std::string>& containers) {
  std::string text =
      "item,project,result,exit_code,status,error,started_at,ended_at,duration_ms,host,fingerprint";
  for (const auto& name : containers)
    text += "," + name + "_status," + name + "_exit_code," + name + "_wall_time_ms," + name +
            "_cpu_time_ms," + name + "_memory_peak";
  text += "\n";
  for (const auto& result : results) {
    const ItemEnd empty;
    const ItemEnd& end = result.end ? *result.end : empty;
    std::optional<int64_t> exit_code;
    if (result.exit_code) exit_code = *result.exit_code;
    text += csv_field(result.item) + "," + result.project + "," +
            std::string(to_string(result.outcome)) + "," + optional_text(exit_code) + "," +
            result.status + "," + csv_field(result.error) + "," + end.started_at + "," +
            end.ended_at + "," + (result.end ? std::to_string(end.duration_ms) : "") + "," +
            csv_field(end.host) + "," + string_field(result.report, "fingerprint");
    for (const auto& name : containers) {
      const json::object* record = find_record(result.report, name);
      if (!record) {
        text += ",,,,,";
        continue;
      }
      text += "," + container_status(*record) + "," +
              optional_text(integer_field(*record, "exit_code")) + "," +
              optional_text(integer_field(*record, "wall_time_ms")) + "," +
              optional_text(cpu_time_ms(*record)) + "," +
              optional_text(integer_field(*record, "memory_peak"));
    }
    text += "\n";
  }
  return text;
}

std::string summary_json(const std::vector<ItemResult>& results, std::string_view lab_file,
                         std::string_view run_container) {
  json::array items;
  uint64_t counts[3] = {0, 0, 0};
  for (const auto& result : results) {
    ++counts[static_cast<int>(result.outcome)];
    json::array containers;
    if (const json::value* records = result.report.if_contains("containers");
        records && records->is_array()) {
      for (const auto& record : records->as_array()) {
        if (record.is_object()) containers.emplace_back(record);
      }
    }
    json::object item{{"item", result.item},
                      {"key", result.key},
                      {"project", result.project},
                      {"result", to_string(result.outcome)},
                      {"error", result.error},
                      {"status", result.status},
                      {"fingerprint", string_field(result.report, "fingerprint")},
                      {"containers", std::move(containers)}};
    item["exit_code"] = result.exit_code ? json::value(*result.exit_code) : json::value(nullptr);
    if (result.end) {
      item["started_at"] = result.end->started_at;
      item["ended_at"] = result.end->ended_at;
      item["duration_ms"] = result.end->duration_ms;
      item["host"] = result.end->host;
    } else {
      // One key at a time: a chained assignment reads a value that a rehash
      // by the next operator[] has already freed (found by ASan).
      for (const char* key : {"started_at", "ended_at", "duration_ms", "host"}) {
        item[key] = nullptr;
      }
    }
    items.emplace_back(std::move(item));
  }
  json::object summary{
      {"lab_file", lab_file},
      {"run", run_container},
      {"counts", json::object{{"done", counts[0]}, {"failed", counts[1]}, {"not_run", counts[2]}}},
      {"items", std::move(items)}};
  return json::serialize(summary) + "\n";
}

std::string utc_timestamp(std::chrono::system_clock::time_point time) {
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  std::time_t seconds = micros / 1'000'000;
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  char text[80];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                static_cast<long long>(micros % 1'000'000));
  return text;
}

}  // namespace srcompose::batch
