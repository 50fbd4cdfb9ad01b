// SPDX-License-Identifier: GPL-2.0-or-later
// Security plan: capabilities, no_new_privs and seccomp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "plan/shared.hpp"
#include "security/seccomp_profile.hpp"
#include "spec/lab.hpp"

namespace srcompose::plan {

struct SecurityPlan {
  // Bit i set: capability i kept in the bounding, permitted and effective sets. Inheritable and
  // ambient are always empty.
  uint64_t capabilities = 0;
  bool no_new_privs = true;
  spec::SeccompMode seccomp = spec::SeccompMode::default_profile;
  std::filesystem::path seccomp_profile;  // profile_file: where the rules came from (messages)
  // The rules to install (not with seccomp = unconfined): srcompose's default profile for
  // `capabilities`, or the entries of the profile file that select them (parsed from the text the
  // loader read and checked). Containers with the same rules share one copy (plan_lab).
  Shared<security::SeccompProfile> seccomp_rules;
};

// The capability set starts from security::default_capabilities() (security/capability_names.hpp).
SecurityPlan plan_security(const spec::Lab& lab, const spec::Container& container);

}  // namespace srcompose::plan
