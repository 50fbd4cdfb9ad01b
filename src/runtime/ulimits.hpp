// SPDX-License-Identifier: GPL-2.0-or-later
// ulimits against what the host allows, checked before anything of the lab is created.
#pragma once

#include <vector>

#include "common/error.hpp"
#include "spec/lab.hpp"

namespace srcompose::runtime {

// Parent side, any user. The workload inherits the supervisor's limits and may lower them, but a
// hard limit above the supervisor's can only be set with CAP_SYS_RESOURCE in the host's user
// namespace (setrlimit(2)), which root lacks in some sandboxes. Fails, naming the key and both
// values, for every ulimit this process could not set:
// "ulimits.nofile: hard limit 30000 is above this host's 20000 (raising it needs
// CAP_SYS_RESOURCE)".
Status check_ulimits(const std::vector<spec::Ulimit>& ulimits);

}  // namespace srcompose::runtime
