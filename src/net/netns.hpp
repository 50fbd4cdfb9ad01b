// SPDX-License-Identifier: GPL-2.0-or-later
// Reaching into another process's network namespace without moving the calling thread.
#pragma once

#include <sys/types.h>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "net/netlink.hpp"

namespace srcompose::net {

// /proc/<pid>/ns/net, O_CLOEXEC. The caller must keep `pid` from being reaped meanwhile.
Result<UniqueFd> open_netns(pid_t pid);

// A NETLINK_ROUTE socket inside the namespace `netns_fd`: a short-lived thread setns()es, opens the
// socket and exits; the socket keeps talking to that namespace. The calling thread stays where it
// is.
Result<NetlinkSocket> netlink_socket_in(int netns_fd);

}  // namespace srcompose::net
