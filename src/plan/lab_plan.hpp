// The whole plan of a lab: what `up` will create, computed before the kernel is touched.
#pragma once

#include <string>
#include <vector>

#include "plan/cgroup.hpp"
#include "plan/net.hpp"
#include "plan/process.hpp"
#include "plan/rootfs.hpp"
#include "plan/security.hpp"
#include "plan/userns.hpp"
#include "spec/lab.hpp"

namespace srcompose::plan {

struct ContainerPlan {
  std::string project;
  std::string name;
  const spec::Container* spec = nullptr;  // points into the Lab the plan was made from
  UsernsPlan userns;
  RootfsPlan rootfs;
  ProcessPlan process;
  SecurityPlan security;
  CgroupPlan cgroup;
  ContainerNetPlan net;
};

struct LabPlan {
  std::string project;
  LabNetPlan networks;
  std::vector<ContainerPlan> containers;  // start order (dependencies first)

  const ContainerPlan* find(std::string_view name) const;
};

// `lab` must outlive the plan. Pure.
LabPlan plan_lab(const spec::Lab& lab);

// The plan of `srcompose up NAME...`: the named containers and, transitively, the containers they
// depend on (start order kept), nothing else. Each name must be a container of `lab`. Pure.
LabPlan plan_subset(const spec::Lab& lab, const std::vector<std::string>& names);

// The plan of `srcompose run NAME [CMD...]`: plan_subset of NAME; a non-empty `command` replaces
// NAME's. Pure.
LabPlan plan_run(const spec::Lab& lab, std::string_view name,
                 const std::vector<std::string>& command);

// After spec::assign_auto_subnets changed `lab` (which `plan` was made from): the bridges, each
// container's interfaces and its /etc/hosts follow the new addresses. Pure.
void refresh_networks(LabPlan& plan, const spec::Lab& lab);

// Moves the automatic id ranges of `plan` (made from `lab`) off `taken_elsewhere`, the ranges other
// labs on the host hold (issue 10 item 9: the hash has 4096 slots, two labs can meet). A container
// whose range is free keeps it. Pure; the caller keeps the host-wide registry.
void avoid_id_ranges(LabPlan& plan, const spec::Lab& lab,
                     const std::vector<spec::IdRange>& taken_elsewhere);

// The host uid and gid ranges the plan's containers map (none for idmap = "host").
std::vector<spec::IdRange> host_id_ranges(const LabPlan& plan);

}  // namespace srcompose::plan
