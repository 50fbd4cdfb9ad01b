// SPDX-License-Identifier: GPL-2.0-or-later
#include "net/namespace_setup.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>

#include "common/unique_fd.hpp"
#include "net/netlink.hpp"
#include "net/netns.hpp"
#include "sys/own_thread.hpp"
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

// net.* first, as the host's root (CAP_NET_ADMIN over every network namespace). The ipc ones
// (kernel.*, fs.mqueue.*) only their namespace's owner may write: ipc_permissions() checks the
// euid, not a capability. Raw system calls (sys/syscalls.hpp): glibc's setresuid changes every
// thread of the process, these only the calling one, which ends right after.
Status write_sysctls_here(int ipcns_fd,
                          const std::vector<std::pair<std::string, std::string>>& sysctls,
                          uid_t root_uid, gid_t root_gid) {
  if (sysctls.empty()) return {};
  if (::setns(ipcns_fd, CLONE_NEWIPC) != 0) return Error::last_errno("setns(CLONE_NEWIPC)");
  bool switched = false;
  for (const auto& [key, value] : sysctls) {
    if (!key.starts_with("net.") && !switched) {
      switched = true;
      if (sys::set_gids_of_thread(root_gid, root_gid, root_gid) != 0 ||
          sys::set_uids_of_thread(root_uid, root_uid, root_uid) != 0) {
        return Error::last_errno("setresuid(" + std::to_string(root_uid) + ")");
      }
    }
    if (auto status = write_sysctl_here(key, value); !status)
      return std::move(status).error().context("sysctl " + key + " = " + value);
  }
  return {};
}

// The loopback and the sysctls, from one thread that joins the container's namespaces
// (sys::on_own_thread): one for both, as each thread made and ended cost a `run` some 0.1 ms.
Status set_up_in_thread(int netns_fd, int ipcns_fd, bool loopback_here,
                        const std::vector<std::pair<std::string, std::string>>& sysctls,
                        uid_t root_uid, gid_t root_gid) {
  return sys::on_own_thread("setns", [&]() -> Status {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) return Error::last_errno("setns(CLONE_NEWNET)");
    if (loopback_here) {
      auto socket = NetlinkSocket::open();
      if (!socket) return std::move(socket).error();
      if (auto status = set_link_up(*socket, "lo"); !status)
        return std::move(status).error().context("lo");
    }
    return write_sysctls_here(ipcns_fd, sysctls, root_uid, root_gid);
  });
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
  UniqueFd ipcns;
  if (!sysctls.empty()) {
    std::string ipc_path = "/proc/" + std::to_string(pid) + "/ns/ipc";
    ipcns.reset(::open(ipc_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ipcns) return Error::last_errno("open " + ipc_path);
  }
  return set_up_in_thread(netns->get(), ipcns.get(), loopback == LoopbackUp::here, sysctls,
                          root_uid, root_gid);
}

}  // namespace srcompose::net
