// SPDX-License-Identifier: GPL-2.0-or-later
// The supervisor's pure decisions about one container: whether a run is followed by a restart, the
// backoff before it, the bounded restart record, and whether a dependency's condition is met. No
// loop and no kernel here, so all of it is unit-tested without root.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "plan/lifecycle.hpp"
#include "supervisor/status.hpp"

namespace srcompose::supervisor {

// The most recent restarts kept (in memory, state.json and the report); older ones are only counted
// (ContainerStatus::restart_count), so a container restarting all day costs no more than this.
inline constexpr size_t kRecentRestarts = 20;

// Whether a run that ended as `end` is followed by a restart, after `restarts_so_far` restarts
// (the policy, and max_restarts: 0 is unlimited).
bool should_restart(const plan::RestartPlan& restart, uint64_t restarts_so_far, const RunEnd& end);

// The delay before a restart: 100 ms for the first one (`previous` empty) and after a run that
// lasted 10 s or more (`ran_long`: it was healthy for a while, docker's rule), else twice the
// previous delay; never above `max` (a max below 100 ms is then the delay every time).
std::chrono::milliseconds next_backoff(std::optional<std::chrono::milliseconds> previous,
                                       bool ran_long, std::chrono::milliseconds max);

// Adds `end` to the status's restart record: the count grows, the list keeps the most recent.
void record_restart(ContainerStatus& status, const RunEnd& end);

// One run's health, by docker's rules.
struct HealthRecord {
  uint32_t failures = 0;  // failed checks in a row that counted
  std::string health;     // "", "healthy" or "unhealthy" (ContainerStatus::health)
};
enum class HealthChange { none, became_healthy, became_unhealthy };
// Adds one check's result: a pass makes it healthy and forgets the failures; a failure during the
// start period does not count; the `retries`-th failure in a row makes it unhealthy (said once).
HealthChange record_health_check(HealthRecord& record, bool passed, bool in_start_period,
                                 uint32_t retries);

// The facts about a dependency that its condition is decided from.
struct DependencyFacts {
  bool started = false;
  bool healthy = false;
  bool unhealthy = false;  // its health check failed its retries
  bool finished = false;   // ended for good (no restart coming)
  std::optional<RunEnd> last_end;
};
enum class DependencyVerdict { met, waiting, never, unhealthy };
// `never`: the dependency finished without meeting the condition (it will not any more);
// `unhealthy`: the condition is `healthy` and its check failed its retries.
DependencyVerdict dependency_verdict(spec::DependencyCondition condition,
                                     const DependencyFacts& facts);

}  // namespace srcompose::supervisor
