// SPDX-License-Identifier: GPL-2.0-or-later
// The whole plan of a lab: what `up` will create, computed before the kernel is touched.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "plan/cgroup.hpp"
#include "plan/lifecycle.hpp"
#include "plan/namespaces.hpp"
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
  NamespaceSet namespaces;
  UsernsPlan userns;
  RootfsPlan rootfs;
  ProcessPlan process;
  SecurityPlan security;
  CgroupPlan cgroup;
  ContainerNetPlan net;
  LifecyclePlan lifecycle;
};

struct LabPlan {
  std::string project;
  std::filesystem::path lab_file;     // absolute: what the state and the report name
  std::filesystem::path storage_dir;  // images and writable layers
  LabNetPlan networks;
  std::vector<ContainerPlan> containers;  // start order (dependencies first)

  const ContainerPlan* find(std::string_view name) const;
};

// What `run NAME [CMD...]` changes of NAME, as compose's `run -e -u -w` does: each as if the lab
// file said it (`user` resolved in the rootfs at start, HOME following it unless -e sets it).
struct RunOverrides {
  std::vector<std::string> command;        // empty: the container's own
  std::map<std::string, std::string> env;  // over the lab's `env`
  std::string user;                        // empty: the container's own
  std::string workdir;                     // empty: the container's own; else absolute
};

// What planning takes besides the lab file: the command line's choices and what was read from the
// host before planning. A plan is made once from these and never edited afterwards.
struct PlanInputs {
  // `up NAME...`, `run NAME`: these containers and, transitively, those they depend on (start
  // order kept), nothing else. Each must be a container of the lab. Empty: every container.
  std::vector<std::string> containers;
  // `run NAME [CMD...]` with -e, -u, -w: containers.front() as the lab file has it, these over it.
  RunOverrides run;
  // The host's /etc/resolv.conf (filtered, net::host_resolv_conf), written into the containers
  // without `dns`. Empty (as for `config`): they get an empty file.
  std::string host_resolv_conf;
  // The host id ranges other labs on the host hold (issue 10 item 9: the hash has 4096 slots, two
  // labs can meet): automatic ranges avoid them. A container whose range is free keeps it.
  std::vector<spec::IdRange> taken_id_ranges;
};

// The plan of `lab` (with `subnet = "auto"` networks already given theirs, or `config`'s
// placeholders). Pure; the plan holds no reference into `lab`.
LabPlan plan_lab(const spec::Lab& lab, const PlanInputs& inputs = {});

// The files written into `plan`'s writable layer when it is made: /etc/hostname, /etc/hosts (from
// the lab's hosts table), /etc/resolv.conf. Made on demand: kept in the plan, a lab of N containers
// would hold N hosts files of N lines each.
std::vector<FileToWrite> files_to_write(const ContainerPlan& plan);

// The host uid and gid ranges the plan's containers map (none for idmap = "host").
std::vector<spec::IdRange> host_id_ranges(const LabPlan& plan);

}  // namespace srcompose::plan
