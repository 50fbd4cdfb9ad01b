// SPDX-License-Identifier: GPL-2.0-or-later
// `subnet = "auto"`: which /24 of the lab's pool each automatic network takes (issue 14). Pure:
// the caller gathers what the host holds (its routes and addresses, read through netlink, and the
// subnets of the other labs that are up, from the host-wide registry) and keeps the registry.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "spec/lab.hpp"

namespace srcompose::plan {

struct SubnetConstraints {
  // Never taken: the host's routes and addresses, and the subnets of the other labs that are up.
  std::vector<spec::Cidr> held;
  // Taken only when nothing else is free: what labs that are down remembered, so that they get
  // their subnet back when they come up again.
  std::vector<spec::Cidr> remembered;
  // What this project had the last time (by network): kept while it is still free.
  std::map<std::string, spec::Cidr, std::less<>> previous;
};

// A /24 of `lab.subnet_pool` for each `subnet = "auto"` network of `lab`, in file order, clear of
// `constraints.held`, of the lab's fixed subnets and of each other: the previous one when it is
// still free, else the first free one from a start point hashed from the project and network (so
// that labs coming up at once mostly try different /24s, and a lab gets the same one run after
// run), preferring those nobody remembers. An error names the network and the pool when the pool
// is full.
Result<std::map<std::string, spec::Cidr, std::less<>>> pick_auto_subnets(
    const spec::Lab& lab, const SubnetConstraints& constraints);

}  // namespace srcompose::plan
