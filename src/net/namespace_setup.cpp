// SPDX-License-Identifier: GPL-2.0-or-later
#include "net/namespace_setup.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <system_error>
#include <thread>

#include "common/unique_fd.hpp"
#include "net/netlink.hpp"
#include "net/netns.hpp"
#include "sys/syscalls.hpp"

namespace srcompose::net {

namespace {

Status write_sysctl_here(const std::string& key, const std::string& value) {
  std::string path = "/proc/sys/" + key;
  std::replace(path.begin() + 10, path.end(), '.', '/');
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return Error::last_errno("open " + path);
  if (::write(fd.get(), value.data(), value.size()) < 0) return Error::last_errno("write " + path);
  return {};
}

// Entered by a thread of its own, which ends right after (as netlink_socket_in does).
Status write_sysctls_in(int netns_fd, int ipcns_fd,
                        const std::vector<std::pair<std::string, std::string>>& sysctls,
                        uid_t root_uid, gid_t root_gid) {
  std::optional<Status> result;
  try {
    std::thread worker([&] {
      if (::setns(netns_fd, CLONE_NEWNET) != 0) {
        result.emplace(Error::last_errno("setns(CLONE_NEWNET)"));
        return;
      }
      if (::setns(ipcns_fd, CLONE_NEWIPC) != 0) {
        result.emplace(Error::last_errno("setns(CLONE_NEWIPC)"));
        return;
      }
      // net.* first, as the host's root (CAP_NET_ADMIN over every network namespace). The ipc ones
      // (kernel.*, fs.mqueue.*) only their namespace's owner may write: ipc_permissions() checks
      // the euid, not a capability. Raw system calls (sys/syscalls.hpp): glibc's setresuid changes
      // every thread of the process, these only this one, which ends right after.
      bool switched = false;
      for (const auto& [key, value] : sysctls) {
        if (!key.starts_with("net.") && !switched) {
          switched = true;
          if (sys::set_gids_of_thread(root_gid, root_gid, root_gid) != 0 ||
              sys::set_uids_of_thread(root_uid, root_uid, root_uid) != 0) {
            result.emplace(Error::last_errno("setresuid(" + std::to_string(root_uid) + ")"));
            return;
          }
        }
        if (auto status = write_sysctl_here(key, value); !status) {
          result.emplace(std::move(status).error().context("sysctl " + key + " = " + value));
          return;
        }
      }
      result.emplace(Status{});
    });
    worker.join();
  } catch (const std::system_error& error) {
    return Error::from_errno("std::thread (for setns)", error.code().value());
  }
  return std::move(*result);
}

}  // namespace

Status set_up_container_namespaces(pid_t pid,
                                   std::vector<std::pair<std::string, std::string>> sysctls,
                                   uid_t root_uid, gid_t root_gid, LoopbackUp loopback) {
  if (loopback == LoopbackUp::by_links && sysctls.empty()) return {};
  std::stable_partition(sysctls.begin(), sysctls.end(),
                        [](const auto& entry) { return entry.first.starts_with("net."); });
  auto netns = open_netns(pid);
  if (!netns) return std::move(netns).error();
  if (loopback == LoopbackUp::here) {
    auto socket = netlink_socket_in(netns->get());
    if (!socket) return std::move(socket).error();
    if (auto status = set_link_up(*socket, "lo"); !status) return status.error().context("lo");
  }
  if (sysctls.empty()) return {};
  std::string ipc_path = "/proc/" + std::to_string(pid) + "/ns/ipc";
  UniqueFd ipcns(::open(ipc_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ipcns) return Error::last_errno("open " + ipc_path);
  return write_sysctls_in(netns->get(), ipcns.get(), sysctls, root_uid, root_gid);
}

}  // namespace srcompose::net
