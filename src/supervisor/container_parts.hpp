// SPDX-License-Identifier: GPL-2.0-or-later
// What a container's start makes on the kernel before its clone: the writable layer, the user
// looked up in it, the cgroup. Made on the blocking pool, never on the loop: creating cgroup
// directories waits on the kernel's cgroup_mutex, which a concurrent move of another container into
// its cgroup holds for a whole RCU grace period, and the layer is disk work. The parts are made
// into a KernelParts of their own and handed to the instance on the loop, so the loop never sees a
// half-made member.
#pragma once

#include <memory>
#include <optional>

#include "cgroup/cgroup.hpp"
#include "common/error.hpp"
#include "plan/lab_plan.hpp"
#include "rootfs/prepare.hpp"
#include "supervisor/blocking_pool.hpp"

namespace srcompose::supervisor {

// The parts a start needs; those already made (a restart keeps its layer and cgroup) are passed in
// and left as they are.
struct KernelParts {
  std::optional<rootfs::PreparedRootfs> rootfs;
  std::optional<rootfs::ResolvedUser> user;
  std::optional<cgroup::ContainerCgroup> cgroup;
  bool need_cgroup = false;  // `cgroup` is to be made
};

// Makes whatever `parts` lacks, in order (layer, user, cgroup). On an error what was made so far
// stays in `parts`, for its owner to remove. Touches nothing but its arguments: thread-safe.
Status make_kernel_parts(const plan::ContainerPlan& plan, const cgroup::HostLayout& host,
                         KernelParts& parts);

// The layer with its user, and the cgroup, need nothing of each other, unless an io limit names
// the device "rootfs", which is found from the layer's directory: then the cgroup comes after it.
bool cgroup_needs_layer(const plan::ContainerPlan& plan);

// Jobs for the blocking pool; `plan` and `host` outlive them (the supervisor joins the pool before
// they go). layer_parts_job (the layer and the user) and cgroup_part_job (the cgroup) may run at
// once on two threads, each touching only its own members of `parts`.
BlockingPool::Job layer_parts_job(const plan::ContainerPlan& plan,
                                  std::shared_ptr<KernelParts> parts);
BlockingPool::Job cgroup_part_job(const plan::ContainerPlan& plan, const cgroup::HostLayout& host,
                                  std::shared_ptr<KernelParts> parts);

}  // namespace srcompose::supervisor
