// SPDX-License-Identifier: GPL-2.0-or-later
// baked_default_filter() itself is generated at build time (baked_seccomp_filter.cpp in the build
// tree); see baked_seccomp.hpp.
#include "supervisor/baked_seccomp.hpp"

#include "security/capability_names.hpp"

namespace srcompose::supervisor {

const security::SeccompProfile& baked_default_profile() {
  static const security::SeccompProfile profile =
      security::default_seccomp_profile(security::default_capabilities());
  return profile;
}

}  // namespace srcompose::supervisor
