// SPDX-License-Identifier: GPL-2.0-or-later
// What the supervisor knows of each container: shown by `ps`, kept in state.json, and turned into
// the run report when the lab goes down. Plain data with JSON conversions.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cgroup/cgroup.hpp"
#include "spec/lab.hpp"
#include "supervisor/json.hpp"

namespace srcompose::supervisor {

enum class ContainerState {
  waiting,
  created,  // `up --no-start`: made, not started until `start`
  starting,
  running,
  paused,
  restarting,
  stopping,
  exited,
  failed
};
std::string_view to_string(ContainerState state);

// The workload's own usage as its init saw it (getrusage of its reaped children).
struct WorkloadUsage {
  int64_t max_rss_kib = 0;
  int64_t user_usec = 0;
  int64_t system_usec = 0;
  int64_t voluntary_switches = 0;
  int64_t involuntary_switches = 0;
};

// One end of a run of the container: why it ended. Kept for every restart, never forgotten.
struct RunEnd {
  std::string time;   // UTC timestamp
  int exit_code = 0;  // 128+signal when killed
  int signal = 0;     // the signal that killed the workload (0: it exited)
  bool core_dumped = false;
  bool oom_killed = false;
  std::string verdict = "exited";      // plan::Verdict as text
  std::optional<WorkloadUsage> usage;  // absent when the init could not report (killed)
  std::string reason() const;  // "OOM kill", "exit code 1", "signal 9 (SIGKILL)", "cpu_time limit"
};

// Resource usage as the container's cgroup reports it (peaks kept across the container's runs).
using ResourceUsage = cgroup::Stats;

struct ContainerStatus {
  std::string name;
  ContainerState state = ContainerState::waiting;
  pid_t pid = 0;                       // host pid of the container's init, 0 when not running
  std::vector<std::string> addresses;  // "labnet=10.123.0.2"
  std::vector<spec::IdRange> uid_map;  // the container's id ranges on the host (empty: idmap host)
  std::vector<spec::IdRange> gid_map;
  std::string health;      // "", "starting", "healthy", "unhealthy"
  std::string started_at;  // of the current or last run
  int64_t uptime_ms = 0;
  uint64_t restart_count = 0;      // every restart so far
  std::vector<RunEnd> restarts;    // the most recent of them (restart_policy.hpp: kRecentRestarts)
  std::optional<RunEnd> last_end;  // how the last run ended
  ResourceUsage usage;
  int64_t wall_time_ms = 0;                     // from first start to last end (or now)
  std::vector<std::string> cgroup_procs_files;  // for `exec` to join
  std::string error;                            // why it failed to start
  std::string rootfs_image;                     // for `exec`: where to resolve users
  std::string rootfs_upper;
  uint64_t log_bytes_dropped = 0;  // output over the log budget, over the container's life
};

json::object to_json(const ContainerStatus& status);
// Never throws: a missing key or a wrong type is an Error naming the key (a state file or reply
// written by another version, or damaged).
Result<ContainerStatus> container_status_from_json(const json::object& object);
// The run report's record of one container: what a grader keeps.
json::object report_record(const ContainerStatus& status);

}  // namespace srcompose::supervisor
