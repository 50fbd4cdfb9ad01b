// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/verdict.hpp"

#include <algorithm>
#include <cmath>

namespace srcompose::plan {

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::ok:
      return "ok";
    case Verdict::exited:
      return "exited";
    case Verdict::signaled:
      return "signaled";
    case Verdict::oom:
      return "oom";
    case Verdict::cpu_time:
      return "cpu_time";
    case Verdict::wall_time:
      return "wall_time";
    case Verdict::stopped:
      return "stopped";
    case Verdict::failed_to_start:
      return "failed_to_start";
  }
  return "unknown";
}

Verdict decide_verdict(const RunFacts& facts) {
  if (facts.time_limit) {
    return *facts.time_limit == TimeLimit::cpu_time ? Verdict::cpu_time : Verdict::wall_time;
  }
  if (facts.oom_killed) return Verdict::oom;
  if (facts.stop_requested) return Verdict::stopped;
  if (facts.signal != 0) return Verdict::signaled;
  return facts.exit_code == 0 ? Verdict::ok : Verdict::exited;
}

TimeBudget time_budget(const spec::Limits& limits) {
  return TimeBudget{limits.cpu_time, limits.wall_time};
}

TimeCheck check_time_budget(const TimeBudget& budget, std::chrono::microseconds cpu_used,
                            std::chrono::milliseconds wall_used, double cpus) {
  using std::chrono::milliseconds;
  TimeCheck check;
  milliseconds next = milliseconds::max();
  if (budget.cpu_time) {
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(*budget.cpu_time) - cpu_used;
    if (left.count() <= 0) {
      check.exceeded = TimeLimit::cpu_time;
      return check;
    }
    // At most `cpus` CPU-seconds per second: the budget cannot run out sooner than this.
    double wall_ms = static_cast<double>(left.count()) / 1000.0 / std::max(cpus, 0.01);
    next = std::min(next, milliseconds(static_cast<int64_t>(std::ceil(wall_ms))));
  }
  if (budget.wall_time) {
    auto left = *budget.wall_time - wall_used;
    if (left.count() <= 0) {
      check.exceeded = TimeLimit::wall_time;
      return check;
    }
    next = std::min(next, left);
  }
  check.next_check = std::max(next, kTimeLimitSlack);
  return check;
}

}  // namespace srcompose::plan
