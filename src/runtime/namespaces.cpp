// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime/namespaces.hpp"

#include <sched.h>

namespace srcompose::runtime {

NamespaceFlags namespace_flags(const plan::NamespaceSet& set) {
  uint64_t created = 0;
  if (set.user) created |= CLONE_NEWUSER;
  if (set.mount) created |= CLONE_NEWNS;
  if (set.pid) created |= CLONE_NEWPID;
  if (set.uts) created |= CLONE_NEWUTS;
  if (set.ipc) created |= CLONE_NEWIPC;
  if (set.net) created |= CLONE_NEWNET;
  NamespaceFlags flags;
  flags.clone = created;
  flags.child_unshares_cgroup = set.cgroup;
  flags.child_unshares_time = set.time;
  flags.exec_setns = created | (set.cgroup ? uint64_t{CLONE_NEWCGROUP} : 0);
  flags.exec_joins_time = set.time;
  return flags;
}

}  // namespace srcompose::runtime
