// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/lifecycle.hpp"

namespace srcompose::plan {

LifecyclePlan plan_lifecycle(const spec::Container& container) {
  LifecyclePlan plan;
  plan.depends_on = container.depends_on;
  plan.restart =
      RestartPlan{container.restart, container.max_restarts, container.restart_delay_max};
  plan.stop_signal = container.stop_signal;
  plan.stop_timeout = container.stop_timeout;
  plan.healthcheck = container.healthcheck;
  plan.logging = container.logging;
  return plan;
}

}  // namespace srcompose::plan
