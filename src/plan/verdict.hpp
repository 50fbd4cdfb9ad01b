// SPDX-License-Identifier: GPL-2.0-or-later
// Grading decisions, pure: the verdict of a container's run, and when the supervisor must look at a
// container's time budgets next.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "spec/lab.hpp"

namespace srcompose::plan {

// Why a container's run ended, as the report says it (`status`).
enum class Verdict {
  ok,               // exit 0
  exited,           // non-zero exit code
  signaled,         // killed by a signal it did not get from srcompose
  oom,              // the kernel's OOM killer killed a process of the container during the run
  cpu_time,         // limits.cpu_time used up: killed by srcompose
  wall_time,        // limits.wall_time passed: killed by srcompose
  stopped,          // ended after srcompose asked it to stop (end of the lab, stop, down)
  failed_to_start,  // never ran: a start step failed, or a dependency could not be met
};
std::string_view to_string(Verdict verdict);

enum class TimeLimit { cpu_time, wall_time };

struct RunFacts {
  int exit_code = 0;  // the workload's, 128+signal when signaled
  int signal = 0;     // the signal that killed the workload, 0 when it exited
  bool oom_killed = false;
  std::optional<TimeLimit> time_limit;  // srcompose killed it for this limit
  bool stop_requested = false;          // srcompose asked it to stop before it ended
};

// The limit srcompose enforced wins (it is why the workload died, whatever signal did it), then an
// OOM kill, then a stop srcompose asked for, then the workload's own end.
Verdict decide_verdict(const RunFacts& facts);

// The time budgets of a container: CPU time as its cgroup counts it and time spent running, both
// summed over all its runs (a restart does not renew them: a crash must not buy more time).
struct TimeBudget {
  std::optional<std::chrono::milliseconds> cpu_time;
  std::optional<std::chrono::milliseconds> wall_time;
};

struct TimeCheck {
  std::optional<TimeLimit> exceeded;       // set: kill now
  std::chrono::milliseconds next_check{};  // otherwise: look again after this long
};

// `cpu_used` and `wall_used` so far; `cpus`: how many CPUs the container can use at once (its cpus
// limit or the host's CPUs), so that its CPU time cannot pass the budget before the next check.
// The next check is the earliest moment a budget can be used up, so that the supervisor sleeps
// through a budget with a handful of wake-ups and fires within `kTimeLimitSlack` of it.
inline constexpr std::chrono::milliseconds kTimeLimitSlack{10};
TimeCheck check_time_budget(const TimeBudget& budget, std::chrono::microseconds cpu_used,
                            std::chrono::milliseconds wall_used, double cpus);

TimeBudget time_budget(const spec::Limits& limits);

}  // namespace srcompose::plan
