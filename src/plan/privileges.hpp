// SPDX-License-Identifier: GPL-2.0-or-later
// Host power a lab file asks for (issue 10, "privileged requests are visible"): `config` and `up`
// print one warning line per container that gets any, so a teacher who downloaded a lab file sees
// it before running it. Pure; srcompose(1) SECURITY says what each one gives away.
#pragma once

#include <string>
#include <vector>

#include "spec/lab.hpp"

namespace srcompose::plan {

// What `container` gets beyond the default confinement, one short phrase each, in a fixed order:
// `idmap = "host"`, `cap_add ALL` / `cap_add SYS_ADMIN` (and, with idmap = "host", the other
// capabilities that act on the host: SYS_MODULE, SYS_RAWIO, SYS_PTRACE, DAC_READ_SEARCH, BPF,
// PERFMON), `seccomp = "unconfined"`, and each bind mount of /, /proc, /sys, /dev, /run (or
// below the first three) or of a container runtime's socket or state (docker, containerd, podman,
// crio, srcompose under /run or /var/run). Empty: nothing to warn about.
std::vector<std::string> privileged_requests(const spec::Container& container);

// "container NAME gets host power: A, B, C" for each container with privileged requests, in file
// order.
std::vector<std::string> privilege_warnings(const spec::Lab& lab);

}  // namespace srcompose::plan
