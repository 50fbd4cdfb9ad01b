// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/container_parts.hpp"

namespace srcompose::supervisor {

Status make_kernel_parts(const plan::ContainerPlan& plan, const cgroup::HostLayout& host,
                         KernelParts& parts) {
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
  if (parts.need_cgroup && !parts.cgroup) {
    auto cgroup = cgroup::ContainerCgroup::create(host, plan.cgroup, plan.rootfs.layer_dir);
    if (!cgroup) return std::move(cgroup).error().context("cgroup");
    parts.cgroup = std::move(*cgroup);
  }
  return {};
}

BlockingPool::Job kernel_parts_job(const plan::ContainerPlan& plan, const cgroup::HostLayout& host,
                                   std::shared_ptr<KernelParts> parts) {
  return [&plan, &host, parts = std::move(parts)]() -> Status {
    return make_kernel_parts(plan, host, *parts);
  };
}

}  // namespace srcompose::supervisor
