// SPDX-License-Identifier: GPL-2.0-or-later
// User namespace: the parent writes the child's uid/gid maps (nsjail's user.cc "initNsFromParent").
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/error.hpp"
#include "plan/userns.hpp"

namespace srcompose::userns {

// Pure. The text written to /proc/PID/{uid,gid}_map: one "inside outside count" line per range.
std::string format_id_map(const std::vector<spec::IdRange>& ranges);

// Parent side, needs CAP_SETUID and CAP_SETGID in the parent user namespace (host root). Writes
// /proc/PID/uid_map then gid_map of a child just cloned with CLONE_NEWUSER. /proc/PID/setgroups is
// left at "allow": a privileged writer may map several gid ranges without "deny", and the workload
// must be able to call setgroups(2) to take its supplementary groups. Each map is written with one
// write(2), as the kernel requires. Errors name the file.
Status write_id_maps(pid_t pid, const plan::UsernsPlan& plan);

}  // namespace srcompose::userns
