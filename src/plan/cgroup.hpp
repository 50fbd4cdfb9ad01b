// SPDX-License-Identifier: GPL-2.0-or-later
// Cgroup plan: where the container's cgroup lives and the limit values, version-neutral. The cgroup
// module turns these into v1 or v2 files.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "spec/lab.hpp"

namespace srcompose::plan {

struct CgroupPlan {
  // Path below the hierarchy's root (or each v1 controller's root):
  // "srcompose/<project>/<container>".
  std::string path;
  std::string project_path;  // "srcompose/<project>"
  spec::Limits limits;  // as validated; "rootfs" devices resolved by the cgroup module at apply
};

CgroupPlan plan_cgroup(const spec::Lab& lab, const spec::Container& container);

}  // namespace srcompose::plan
