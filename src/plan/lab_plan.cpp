// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/lab_plan.hpp"

#include <algorithm>
#include <set>

namespace srcompose::plan {
namespace {

// What alike containers share, one copy each (plan/shared.hpp).
struct Interners {
  Interner<std::vector<MountStep>> mounts;
  Interner<std::vector<std::string>> paths;
  Interner<security::SeccompProfile> seccomp_rules;

  void share(ContainerPlan& plan) {
    plan.rootfs.mounts = mounts.intern(std::move(plan.rootfs.mounts));
    plan.rootfs.masked_paths = paths.intern(std::move(plan.rootfs.masked_paths));
    plan.rootfs.readonly_paths = paths.intern(std::move(plan.rootfs.readonly_paths));
    plan.security.seccomp_rules = seccomp_rules.intern(std::move(plan.security.seccomp_rules));
  }
};

// `names` and, transitively, the containers they depend on.
std::set<std::string, std::less<>> wanted_containers(const spec::Lab& lab,
                                                     const std::vector<std::string>& names) {
  std::set<std::string, std::less<>> wanted;
  std::vector<std::string_view> pending(names.begin(), names.end());
  while (!pending.empty()) {
    std::string_view next = pending.back();
    pending.pop_back();
    if (!wanted.emplace(next).second) continue;
    if (const spec::Container* container = lab.find_container(next)) {
      for (const auto& dependency : container->depends_on)
        pending.push_back(dependency.container);
    }
  }
  return wanted;
}

// `run`'s container: a copy of the lab file's with the command line's choices over it, planned as
// the lab file's would be (so that HOME follows -u as it follows `user`).
spec::Container with_run_overrides(spec::Container container, const RunOverrides& run) {
  if (!run.command.empty()) container.command = run.command;
  for (const auto& [name, value] : run.env)
    container.env[name] = value;
  if (!run.user.empty()) container.user = run.user;
  if (!run.workdir.empty()) container.workdir = run.workdir;
  return container;
}

}  // namespace

const ContainerPlan* LabPlan::find(std::string_view name) const {
  for (const auto& container : containers) {
    if (container.name == name) return &container;
  }
  return nullptr;
}

LabPlan plan_lab(const spec::Lab& lab, const PlanInputs& inputs) {
  const auto wanted = wanted_containers(lab, inputs.containers);
  LabPlan plan;
  plan.project = lab.name;
  plan.lab_file = lab.file;
  plan.storage_dir = lab.storage_dir;
  plan.networks = plan_lab_networks(lab);
  const Shared<HostsTable> hosts = plan_hosts_table(lab);
  Interners interners;
  const auto order = lab.start_order();
  plan.containers.reserve(inputs.containers.empty() ? order.size() : wanted.size());
  for (const spec::Container* container : order) {
    if (!inputs.containers.empty() && !wanted.contains(container->name)) continue;
    ContainerPlan container_plan;
    container_plan.project = lab.name;
    container_plan.name = container->name;
    container_plan.namespaces = plan_namespaces(*container);
    container_plan.userns = plan_userns(lab, *container, inputs.taken_id_ranges);
    container_plan.rootfs = plan_rootfs(lab, *container);
    container_plan.process =
        !inputs.containers.empty() && container->name == inputs.containers.front()
            ? plan_process(lab, with_run_overrides(*container, inputs.run))
            : plan_process(lab, *container);
    container_plan.security = plan_security(lab, *container);
    container_plan.cgroup = plan_cgroup(lab, *container);
    container_plan.net = plan_container_net(lab, *container);
    container_plan.net.hosts = hosts;
    if (container_plan.net.resolv_conf.empty())
      container_plan.net.resolv_conf = inputs.host_resolv_conf;
    container_plan.lifecycle = plan_lifecycle(*container);
    interners.share(container_plan);
    plan.containers.push_back(std::move(container_plan));
  }
  return plan;
}

std::vector<FileToWrite> files_to_write(const ContainerPlan& plan) {
  return {
      FileToWrite{"/etc/hostname", plan.process.hostname + "\n", 0644},
      FileToWrite{"/etc/hosts", hosts_file(plan.net.hosts, plan.name), 0644},
      FileToWrite{"/etc/resolv.conf", plan.net.resolv_conf, 0644},
  };
}

std::vector<spec::IdRange> host_id_ranges(const LabPlan& plan) {
  std::vector<spec::IdRange> ranges;
  for (const auto& container : plan.containers) {
    if (!container.userns.enabled) continue;
    ranges.insert(ranges.end(), container.userns.uid_map.begin(), container.userns.uid_map.end());
    ranges.insert(ranges.end(), container.userns.gid_map.begin(), container.userns.gid_map.end());
  }
  return ranges;
}

}  // namespace srcompose::plan
