// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/restart_policy.hpp"

#include <algorithm>

namespace srcompose::supervisor {

namespace {

constexpr std::chrono::milliseconds kFirstRestartDelay{100};

}  // namespace

bool should_restart(const plan::RestartPlan& restart, uint64_t restarts_so_far, const RunEnd& end) {
  // A used-up time budget stays used up (it is the total across restarts): a restart would be
  // killed at once.
  if (end.verdict == "cpu_time" || end.verdict == "wall_time") return false;
  if (restart.max_restarts != 0 && restarts_so_far >= restart.max_restarts) return false;
  switch (restart.policy) {
    case spec::RestartPolicy::no:
      return false;
    case spec::RestartPolicy::on_failure:
      return end.exit_code != 0;
    case spec::RestartPolicy::on_oom:
      return end.oom_killed;
    case spec::RestartPolicy::always:
      return true;
  }
  return false;
}

std::chrono::milliseconds next_backoff(std::optional<std::chrono::milliseconds> previous,
                                       bool ran_long, std::chrono::milliseconds max) {
  if (!previous || ran_long) return std::min(kFirstRestartDelay, max);
  return std::min(*previous * 2, max);
}

void record_restart(ContainerStatus& status, const RunEnd& end) {
  ++status.restart_count;
  status.restarts.push_back(end);
  if (status.restarts.size() > kRecentRestarts) {
    status.restarts.erase(status.restarts.begin(),
                          status.restarts.end() - static_cast<std::ptrdiff_t>(kRecentRestarts));
  }
}

HealthChange record_health_check(HealthRecord& record, bool passed, bool in_start_period,
                                 uint32_t retries) {
  if (passed) {
    record.failures = 0;
    if (record.health == "healthy") return HealthChange::none;
    record.health = "healthy";
    return HealthChange::became_healthy;
  }
  if (in_start_period) return HealthChange::none;
  if (++record.failures < retries || record.health == "unhealthy") return HealthChange::none;
  record.health = "unhealthy";
  return HealthChange::became_unhealthy;
}

DependencyVerdict dependency_verdict(spec::DependencyCondition condition,
                                     const DependencyFacts& facts) {
  bool met = false;
  switch (condition) {
    case spec::DependencyCondition::started:
      met = facts.started;
      break;
    case spec::DependencyCondition::healthy:
      met = facts.healthy;
      break;
    case spec::DependencyCondition::completed_successfully:
      met = facts.finished && facts.last_end && facts.last_end->exit_code == 0;
      break;
  }
  if (met) return DependencyVerdict::met;
  if (condition == spec::DependencyCondition::healthy && facts.unhealthy)
    return DependencyVerdict::unhealthy;
  return facts.finished ? DependencyVerdict::never : DependencyVerdict::waiting;
}

}  // namespace srcompose::supervisor
