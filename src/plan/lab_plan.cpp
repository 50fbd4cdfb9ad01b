#include "plan/lab_plan.hpp"

#include <algorithm>
#include <set>

namespace srcompose::plan {
namespace {

// The name files go into the writable layer: rootfs owns writing them, net owns their content.
// An empty resolv.conf means "the host's, read at start": it is listed all the same so that the
// file exists and the storage side knows to fill it.
void add_name_files(ContainerPlan& plan) {
  auto put = [&](std::string path, std::string content) {
    auto& files = plan.rootfs.files;
    auto existing = std::find_if(files.begin(), files.end(),
                                 [&](const FileToWrite& file) { return file.path == path; });
    if (existing != files.end()) files.erase(existing);
    files.push_back(FileToWrite{std::move(path), std::move(content), 0644});
  };
  put("/etc/hostname", plan.process.hostname + "\n");
  put("/etc/hosts", plan.net.hosts_file);
  put("/etc/resolv.conf", plan.net.resolv_conf);
}

}  // namespace

const ContainerPlan* LabPlan::find(std::string_view name) const {
  for (const auto& container : containers) {
    if (container.name == name) return &container;
  }
  return nullptr;
}

LabPlan plan_lab(const spec::Lab& lab) {
  LabPlan plan;
  plan.project = lab.name;
  plan.networks = plan_lab_networks(lab);
  for (const spec::Container* container : lab.start_order()) {
    ContainerPlan container_plan;
    container_plan.project = lab.name;
    container_plan.name = container->name;
    container_plan.spec = container;
    container_plan.userns = plan_userns(lab, *container);
    container_plan.rootfs = plan_rootfs(lab, *container);
    container_plan.process = plan_process(lab, *container);
    container_plan.security = plan_security(lab, *container);
    container_plan.cgroup = plan_cgroup(lab, *container);
    container_plan.net = plan_container_net(lab, *container);
    add_name_files(container_plan);
    plan.containers.push_back(std::move(container_plan));
  }
  return plan;
}

LabPlan plan_subset(const spec::Lab& lab, const std::vector<std::string>& names) {
  std::set<std::string, std::less<>> needed;
  std::vector<std::string_view> pending(names.begin(), names.end());
  while (!pending.empty()) {
    std::string_view next = pending.back();
    pending.pop_back();
    if (!needed.emplace(next).second) continue;
    if (const spec::Container* container = lab.find_container(next)) {
      for (const auto& dependency : container->depends_on)
        pending.push_back(dependency.container);
    }
  }
  LabPlan plan = plan_lab(lab);
  std::erase_if(plan.containers,
                [&](const ContainerPlan& container) { return !needed.contains(container.name); });
  return plan;
}

LabPlan plan_run(const spec::Lab& lab, std::string_view name,
                 const std::vector<std::string>& command) {
  LabPlan plan = plan_subset(lab, {std::string(name)});
  for (auto& container : plan.containers) {
    if (container.name == name && !command.empty()) container.process.argv = command;
  }
  return plan;
}

void refresh_networks(LabPlan& plan, const spec::Lab& lab) {
  plan.networks = plan_lab_networks(lab);
  for (auto& container : plan.containers) {
    ContainerNetPlan net = plan_container_net(lab, *container.spec);
    net.resolv_conf = std::move(container.net.resolv_conf);  // the host's may be filled in already
    container.net = std::move(net);
    for (auto& file : container.rootfs.files) {
      if (file.path == "/etc/hosts") file.content = container.net.hosts_file;
    }
  }
}

void avoid_id_ranges(LabPlan& plan, const spec::Lab& lab,
                     const std::vector<spec::IdRange>& taken_elsewhere) {
  for (const auto& [name, range] : auto_id_ranges(lab, taken_elsewhere)) {
    for (auto& container : plan.containers) {
      if (container.name == name) use_auto_id_range(container.userns, range);
    }
  }
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
