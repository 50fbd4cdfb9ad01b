// SPDX-License-Identifier: GPL-2.0-or-later
#include "net/netns.hpp"

#include <fcntl.h>
#include <sched.h>

#include <string>

#include "sys/own_thread.hpp"

namespace srcompose::net {

Result<UniqueFd> open_netns(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::last_errno("open " + path);
  return fd;
}

Result<NetlinkSocket> netlink_socket_in(int netns_fd) {
  return sys::on_own_thread("setns", [&]() -> Result<NetlinkSocket> {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) return Error::last_errno("setns(CLONE_NEWNET)");
    return NetlinkSocket::open();
  });
}

}  // namespace srcompose::net
