// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/security.hpp"

#include "security/capability_names.hpp"

namespace srcompose::plan {
namespace {

uint64_t bit(std::string_view name) {
  auto number = security::capability_number(name);
  return number ? uint64_t{1} << *number : 0;
}

security::SeccompProfile seccomp_rules(const spec::Container& container, uint64_t capabilities) {
  switch (container.seccomp) {
    case spec::SeccompMode::unconfined:
      return {};
    case spec::SeccompMode::default_profile:
      return security::default_seccomp_profile(capabilities);
    case spec::SeccompMode::profile_file:
      break;
  }
  auto parsed = security::parse_seccomp_profile(container.seccomp_profile_json, capabilities);
  if (parsed) return std::move(*parsed);
  // Not reached for a loaded lab: the loader checked every entry (check_seccomp_profile). A
  // hand-made spec::Container that gets here fails closed: every syscall kills the workload.
  security::SeccompProfile refuse_all;
  refuse_all.default_action = security::SeccompAction::kill_process;
  return refuse_all;
}

}  // namespace

SecurityPlan plan_security(const spec::Lab& /*lab*/, const spec::Container& container) {
  using security::is_all_capabilities;
  SecurityPlan plan;
  // Docker's order: "ALL" in cap_drop empties the base set, cap_add is added, then the named drops
  // are removed, so `cap_drop = ["NET_RAW"]` wins over `cap_add = ["ALL"]`. Names were validated by
  // the loader; an unknown one contributes nothing.
  uint64_t set = security::default_capabilities();
  for (const auto& name : container.cap_drop) {
    if (is_all_capabilities(name)) set = 0;
  }
  for (const auto& name : container.cap_add)
    set |= is_all_capabilities(name) ? security::all_capabilities() : bit(name);
  for (const auto& name : container.cap_drop) {
    if (!is_all_capabilities(name)) set &= ~bit(name);
  }
  plan.capabilities = set;
  plan.no_new_privs = true;
  plan.seccomp = container.seccomp;
  plan.seccomp_rules = seccomp_rules(container, set);
  if (container.seccomp == spec::SeccompMode::profile_file) {
    plan.seccomp_profile = container.seccomp_profile;
  }
  return plan;
}

}  // namespace srcompose::plan
