// SPDX-License-Identifier: GPL-2.0-or-later
// Namespace plan: which namespaces a container gets. How each is made (by clone, unshared later
// by the child, joined by exec) is the runtime's decision, in one place: runtime/namespaces.hpp.
#pragma once

#include "spec/lab.hpp"

namespace srcompose::plan {

struct NamespaceSet {
  bool user = true;  // false with idmap = "host" (UsernsPlan::enabled says the same)
  bool mount = true;
  bool pid = true;
  bool uts = true;
  bool ipc = true;
  bool net = true;     // with network_mode = "none" too: then it holds only loopback
  bool cgroup = true;  // always: the container sees its own cgroup as "/"
  bool time = false;   // only with time_offsets
};

NamespaceSet plan_namespaces(const spec::Container& container);

}  // namespace srcompose::plan
