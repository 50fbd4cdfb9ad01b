// SPDX-License-Identifier: GPL-2.0-or-later
// Lifecycle plan: what the supervisor does with a container over time (when it may start, when it
// is restarted, how it is stopped, how its health is checked, how much of its output is kept).
// The supervisor reads these, never the lab file's spec::Container.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "spec/lab.hpp"

namespace srcompose::plan {

struct RestartPlan {
  spec::RestartPolicy policy = spec::RestartPolicy::no;
  uint32_t max_restarts = 0;  // 0: unlimited
  // The backoff doubles from 100 ms up to this (supervisor/restart_policy.hpp next_backoff).
  spec::Milliseconds delay_max{10'000};
};

struct LifecyclePlan {
  // Containers of the same plan, each with the condition it must meet before this one starts.
  std::vector<spec::Dependency> depends_on;
  RestartPlan restart;
  int stop_signal = 15;  // sent to the init first; SIGKILL to the whole cgroup after stop_timeout
  spec::Milliseconds stop_timeout{10'000};
  std::optional<spec::Healthcheck> healthcheck;
  spec::Logging logging;  // rotation and rate limit of the container's output log
};

LifecyclePlan plan_lifecycle(const spec::Container& container);

}  // namespace srcompose::plan
