// SPDX-License-Identifier: GPL-2.0-or-later
// Capabilities: applied by the child just before it becomes the workload.
#pragma once

#include <cstdint>

namespace srcompose::security {

// Child side, async-signal-safe, no allocation. Drops every capability not in `keep` from the
// bounding set, sets permitted = effective = keep, inheritable = 0, clears the ambient set. Call
// after setresuid/setresgid (with PR_SET_KEEPCAPS or as root) so the sets survive. Returns 0 or an
// errno.
int apply_capabilities(uint64_t keep);

// Child side: prctl(PR_SET_NO_NEW_PRIVS, 1). Returns 0 or an errno.
int set_no_new_privs();

}  // namespace srcompose::security
