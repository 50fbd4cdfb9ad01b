// SPDX-License-Identifier: GPL-2.0-or-later
// Seccomp: the filter is compiled in the parent with libseccomp; the child only installs the BPF.
#pragma once

#include <linux/filter.h>

#include <vector>

#include "common/error.hpp"
#include "plan/security.hpp"
#include "security/seccomp_profile.hpp"

namespace srcompose::security {

// A ready BPF program. Empty when seccomp is unconfined.
struct CompiledSeccomp {
  std::vector<sock_filter> program;
  bool empty() const { return program.empty(); }
};

// Parent side. Compiles the plan's rules (plan.seccomp_rules: nothing is read here) and exports
// them as BPF. Covers the native x86-64, x32 and i386 ABIs.
Result<CompiledSeccomp> compile_seccomp(const plan::SecurityPlan& plan);

// Parent side. Compiles one profile (see seccomp_profile.hpp) for the x86-64, x32 and i386 ABIs;
// syscall names libseccomp does not know are skipped. Errors carry libseccomp's errno.
Result<CompiledSeccomp> compile_profile(const SeccompProfile& profile);

// Child side, async-signal-safe, no allocation. Requires no_new_privs (or CAP_SYS_ADMIN).
// Returns 0 or an errno value.
int install_seccomp(const CompiledSeccomp& filter);

}  // namespace srcompose::security
