// SPDX-License-Identifier: GPL-2.0-or-later
// The default seccomp profile's filter for the default capability set, compiled while srcompose was
// built (src/security/bake/main.cpp writes it, the build runs it). libseccomp is linked in
// statically, and the program it makes of a profile depends on the profile alone (it asks the
// kernel only whether the actions used exist, which every kernel srcompose runs on answers alike),
// so compiling the same profile when a lab starts gives the same program (a unit test compiles it
// again and compares). That compile was about a millisecond of CPU in every `run`, `up` and
// `exec`; most labs use this profile, and SeccompCache takes the baked program for it.
#pragma once

#include <linux/filter.h>

#include <span>

#include "security/seccomp_profile.hpp"

namespace srcompose::supervisor {

// The baked program; empty when the build could not compile the profile (it then says why, and
// SeccompCache compiles at run time as for any other profile).
std::span<const sock_filter> baked_default_filter();

// What it was compiled from: security::default_seccomp_profile(security::default_capabilities()).
const security::SeccompProfile& baked_default_profile();

}  // namespace srcompose::supervisor
