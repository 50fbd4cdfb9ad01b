// SPDX-License-Identifier: GPL-2.0-or-later
// The host-wide registry of lab subnets (issue 14, `subnet = "auto"`): <state root>/subnets, one
// "PROJECT NETWORK SUBNET" line per network of every lab that came up, fixed subnets as well as
// picked ones, read and rewritten only under an flock of the file (host_registry.hpp). The lines of
// a lab that is up hold their subnets: no other lab picks them, and a fixed subnet that overlaps
// one is refused before anything is made. The lines of a lab that is down stay as its memory: it
// gets the same subnets when it comes up again, unless another lab needed them (other labs take
// them last, and then the memory goes).
#pragma once

#include <map>
#include <string>

#include "common/error.hpp"
#include "spec/lab.hpp"
#include "supervisor/state_dir.hpp"

namespace srcompose::supervisor {

using SubnetChoice = std::map<std::string, spec::Cidr, std::less<>>;

// Holding the project's lock, its state directory made, before anything of the lab exists: picks
// the /24 of every `subnet = "auto"` network of `lab` (plan::pick_auto_subnets) clear of the host's
// routes and addresses (read through netlink in the caller's network namespace: root, the host's)
// and of every other lab that is up, and records the lab's subnets in place of its earlier lines.
// Errors: a fixed subnet overlapping one another lab that is up holds, a full pool, netlink or
// registry failures. Returns the picks by network name (empty when the lab has no automatic one).
Result<SubnetChoice> reserve_subnets(const StatePaths& paths, const spec::Lab& lab);

// The subnets recorded for the project's automatic networks, for commands that re-read the file of
// a running lab (LoadOptions::auto_subnets). Empty when there are none.
Result<SubnetChoice> recorded_subnets(const StatePaths& paths);

}  // namespace srcompose::supervisor
