// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/cgroup.hpp"

namespace srcompose::plan {

// The names are derived from the project only, so that `down` after a crash finds every cgroup of
// the project without any saved state (docs/architecture.md, "Names on the host").
CgroupPlan plan_cgroup(const spec::Lab& lab, const spec::Container& container) {
  CgroupPlan plan;
  plan.project_path = "srcompose/" + lab.name;
  plan.path = plan.project_path + "/" + container.name;
  plan.limits = container.limits;
  return plan;
}

}  // namespace srcompose::plan
