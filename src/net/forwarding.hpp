// SPDX-License-Identifier: GPL-2.0-or-later
// net.ipv4.ip_forward for `nat` networks: set while a lab needs it, put back as it was found when
// the last such lab goes down (issue 10 item 7).
//
// The sysctl is one per network namespace and srcompose sets it in the host's, so the record of
// who needs it is one per host too, whatever state root a lab uses (labs are told apart by project
// name, as their bridges and nftables tables are). The record holds the value found before the
// first holder changed it and one line per project holding it; an flock on it serializes every
// lab's `up` and `down`. It lives on /run, a tmpfs: a reboot, which resets the sysctl, also
// forgets the record. Parent side, root, host network namespace.
#pragma once

#include <filesystem>
#include <string_view>

#include "common/error.hpp"

namespace srcompose::net {

// Beside the projects' directories under the default state root; a project name never starts
// with a dot, so no project can own this name.
inline constexpr const char* kForwardingRecord = "/run/srcompose/.ip_forward";

// Records `project` as needing forwarding (the host's value first, when no lab holds it yet),
// then sets ip_forward = 1. Recording before writing means a crash in between is undone by
// `down`. Holding twice is holding once.
Status hold_ipv4_forwarding(std::string_view project,
                            const std::filesystem::path& record = kForwardingRecord);

// Drops `project` from the record; when no holder is left, writes back the value recorded first.
// A project that holds nothing (or no record at all) changes nothing, so crash cleanup may call
// this whether or not the lab had a `nat` network.
Status release_ipv4_forwarding(std::string_view project,
                               const std::filesystem::path& record = kForwardingRecord);

}  // namespace srcompose::net
