// SPDX-License-Identifier: GPL-2.0-or-later
// Capability names and numbers as data: for the loader (cap_add and cap_drop), planning (the
// container's set) and seccomp profiles (rules that depend on capabilities). Pure code, in the core
// library with the seccomp profile reader; applying a set is capabilities.hpp's (kernel side).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace srcompose::security {

// Podman's default set: CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, NET_BIND_SERVICE, SETFCAP,
// SETGID, SETPCAP, SETUID, SYS_CHROOT.
uint64_t default_capabilities();
// Every capability the table below knows (CAP_CHOWN .. CAP_CHECKPOINT_RESTORE).
uint64_t all_capabilities();
// "NET_ADMIN" -> 12; nullopt for an unknown name. Accepts an optional "CAP_" prefix, any case.
std::optional<unsigned> capability_number(std::string_view name);
std::string_view capability_name(unsigned number);  // 12 -> "NET_ADMIN"
// "ALL" in any case: what cap_add and cap_drop take for every capability.
bool is_all_capabilities(std::string_view name);

}  // namespace srcompose::security
