// SPDX-License-Identifier: GPL-2.0-or-later
// What one item's run left in OUT/<key>/ and what the batch makes of it: the item's end record
// (done.json, written when its `srcompose run` ended on its own, by the local driver or the Slurm
// job script alike), the run's report.json and logs, and the summary over every item.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "batch/items.hpp"
#include "supervisor/json.hpp"

namespace srcompose::batch {

namespace json = supervisor::json;

// OUT/<key>/ holds these besides the run's own report.json and NAME.log files. Neither name ends in
// ".log", so no container's log can take its place.
inline constexpr const char* kItemEndFile = "done.json";
inline constexpr const char* kRunOutputFile = "run.out";  // srcompose run's stdout and stderr

// How an item's `srcompose run` ended: written only when it ended on its own, never when the batch
// was interrupted, so its presence means the run is over. `error` is set when the run could not
// even be started (or the Slurm node refused it: another srcompose version, other images).
struct ItemEnd {
  int exit_code = 0;  // of `srcompose run`: the run container's exit code
  std::string started_at;
  std::string ended_at;
  int64_t duration_ms = 0;
  std::string host;
  std::string error;
};
// One line of JSON; the job script (slurm.cpp) prints the same fields with printf.
std::string format_item_end(const ItemEnd& end);
std::optional<ItemEnd> parse_item_end(std::string_view text);

// done: the run container ran and ended, its exit code and status are the grade. failed: the item
// could not be run (the lab did not come up, the run container never started, no report). not_run:
// no end record (never started, or interrupted).
enum class Outcome { done, failed, not_run };
std::string_view to_string(Outcome outcome);

struct ItemResult {
  std::string item;
  std::string key;
  std::string project;
  Outcome outcome = Outcome::not_run;
  std::string error;             // why it failed
  std::optional<ItemEnd> end;    // done.json
  json::object report;           // report.json, empty when absent
  std::optional<int> exit_code;  // the run container's
  std::string status;            // the run container's (container_status)
};

// A container record's status as the run's report gives it (docs/report.schema.json: ok, exited,
// signaled, oom, cpu_time, wall_time, stopped, failed_to_start): the supervisor saw the container
// end and knows why, which its exit code alone does not tell (a SIGKILL from the cpu_time limit, an
// OOM kill and a teardown all end in 137). "" when the record has none (a damaged report).
std::string container_status(const json::object& record);

// Judges one item from its files' contents (nullopt: the file is absent). `run_output` is the
// run's stdout and stderr: its last "srcompose: error:" line explains a run that failed.
ItemResult judge_item(const Item& item, std::string project,
                      const std::optional<std::string>& end_text,
                      const std::optional<std::string>& report_text, std::string_view run_output,
                      std::string_view run_container);
// Reads OUT/<key>/ and judges it.
ItemResult read_item_result(const Item& item, std::string project, const std::filesystem::path& out,
                            std::string_view run_container);

// OUT/summary.csv: one row per item: item, project, result, exit_code, status, error, started_at,
// ended_at, duration_ms, host, fingerprint, then per container (in `containers` order) its status,
// exit code, wall time and CPU time (user + system) in ms, and memory peak, from the report.
std::string summary_csv(const std::vector<ItemResult>& results,
                        const std::vector<std::string>& containers);
// OUT/summary.json: {"lab_file", "run", "counts": {done, failed, not_run}, "items": [...]}, each
// item with the CSV's fields and "containers": the report's records as they are.
std::string summary_json(const std::vector<ItemResult>& results, std::string_view lab_file,
                         std::string_view run_container);

// UTC "YYYY-MM-DDTHH:MM:SS.uuuuuuZ", as the job script's `date -u +%Y-%m-%dT%H:%M:%S.%6NZ`.
std::string utc_timestamp(std::chrono::system_clock::time_point time);

}  // namespace srcompose::batch
