// SPDX-License-Identifier: GPL-2.0-or-later
// The few /proc/sys/net knobs srcompose sets on the host side (parent, root, host netns).
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace srcompose::net {

// Writes `value` to /proc/sys/<key> ("net/ipv4/ip_forward").
Status write_sysctl(const std::string& key, std::string_view value);

// Whether the kernel has IPv6 (not booted with ipv6.disable=1): /proc/sys/net/ipv6 exists.
bool kernel_has_ipv6();

// disable_ipv6 = 1 on the host's link `ifname` (a lab's bridge): a lab's networks are IPv4, so the
// link gets no IPv6 address and the host takes no IPv6 packet from it (a router advertisement sent
// by a container configures nothing). Call before the link is up. Succeeds without doing anything
// when the kernel has no IPv6. Not for the many veth ends: the write takes the RTNL with a trylock
// and restarts the system call while the lab's other starts hold it.
Status disable_ipv6(const std::string& ifname);

}  // namespace srcompose::net
