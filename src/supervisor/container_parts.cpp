// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/container_parts.hpp"

#include <algorithm>
#include <vector>

namespace srcompose::supervisor {

namespace {

Status make_layer_parts(const plan::ContainerPlan& plan, KernelParts& parts) {
  if (!parts.rootfs) {
    auto prepared = rootfs::prepare(plan.rootfs, plan.userns, plan::files_to_write(plan));
    if (!prepared) return std::move(prepared).error().context("prepare rootfs");
    parts.rootfs = std::move(*prepared);
  }
  if (!parts.user) {
    auto user = rootfs::resolve_user(*parts.rootfs, plan.process.user);
    if (!user) return std::move(user).error().context("user " + plan.process.user);
    parts.user = std::move(*user);
  }
  return {};
}

Status make_cgroup_part(const plan::ContainerPlan& plan, const cgroup::HostLayout& host,
                        KernelParts& parts) {
  if (parts.need_cgroup && !parts.cgroup) {
    auto cgroup = cgroup::ContainerCgroup::create(host, plan.cgroup, plan.rootfs.layer_dir);
    if (!cgroup) return std::move(cgroup).error().context("cgroup");
    parts.cgroup = std::move(*cgroup);
  }
  return {};
}

bool names_rootfs(const std::vector<spec::DeviceLimit>& limits) {
  return std::any_of(limits.begin(), limits.end(),
                     [](const spec::DeviceLimit& limit) { return limit.device == "rootfs"; });
}

}  // namespace

Status make_kernel_parts(const plan::ContainerPlan& plan, const cgroup::HostLayout& host,
                         KernelParts& parts) {
  if (auto status = make_layer_parts(plan, parts); !status) return status;
  return make_cgroup_part(plan, host, parts);
}

bool cgroup_needs_layer(const plan::ContainerPlan& plan) {
  const spec::Limits& limits = plan.cgroup.limits;
  return names_rootfs(limits.io_read_bps) || names_rootfs(limits.io_write_bps) ||
         names_rootfs(limits.io_read_iops) || names_rootfs(limits.io_write_iops);
}

BlockingPool::Job layer_parts_job(const plan::ContainerPlan& plan,
                                  std::shared_ptr<KernelParts> parts) {
  return [&plan, parts = std::move(parts)]() -> Status { return make_layer_parts(plan, *parts); };
}

BlockingPool::Job cgroup_part_job(const plan::ContainerPlan& plan, const cgroup::HostLayout& host,
                                  std::shared_ptr<KernelParts> parts) {
  return [&plan, &host, parts = std::move(parts)]() -> Status {
    return make_cgroup_part(plan, host, *parts);
  };
}

}  // namespace srcompose::supervisor
