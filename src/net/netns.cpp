// SPDX-License-Identifier: GPL-2.0-or-later
#include "net/netns.hpp"

#include <fcntl.h>
#include <sched.h>

#include <optional>
#include <string>
#include <system_error>
#include <thread>

namespace srcompose::net {

Result<UniqueFd> open_netns(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::last_errno("open " + path);
  return fd;
}

Result<NetlinkSocket> netlink_socket_in(int netns_fd) {
  // A thread of its own: setns(CLONE_NEWNET) moves only the calling thread, and that thread ends
  // right after, so the supervisor's thread never runs in a container's namespace even on failure.
  std::optional<Result<NetlinkSocket>> result;
  try {
    std::thread worker([&] {
      if (::setns(netns_fd, CLONE_NEWNET) != 0) {
        result.emplace(Error::last_errno("setns(CLONE_NEWNET)"));
        return;
      }
      result.emplace(NetlinkSocket::open());
    });
    worker.join();
  } catch (const std::system_error& error) {  // thread creation: no exception leaves the module
    return Error::from_errno("std::thread (for setns)", error.code().value());
  }
  return std::move(*result);
}

}  // namespace srcompose::net
