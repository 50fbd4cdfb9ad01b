// SPDX-License-Identifier: GPL-2.0-or-later
// The few /proc/sys/net knobs srcompose sets on the host side (parent, root, host netns).
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace srcompose::net {

// Writes `value` to /proc/sys/<key> ("net/ipv4/ip_forward").
Status write_sysctl(const std::string& key, std::string_view value);

// accept_ra = 0 on `ifname` so that a router advertisement sent by a container (or anything on the
// bridge) never configures an address or a default route on the host. Call before the link is up.
// Succeeds without doing anything when the kernel has IPv6 disabled (no /proc/sys/net/ipv6).
Status disable_accept_ra(const std::string& ifname);

}  // namespace srcompose::net
