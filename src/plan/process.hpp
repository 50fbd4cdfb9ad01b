// SPDX-License-Identifier: GPL-2.0-or-later
// Process plan: what the container's workload is and who runs it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spec/lab.hpp"

namespace srcompose::plan {

struct ProcessPlan {
  std::vector<std::string> argv;  // never empty
  std::vector<std::string> env;   // "KEY=value": the lab's env plus PATH, HOME, HOSTNAME, TERM
  std::string user;               // as in the lab file; resolved against the rootfs at start
  std::string workdir;
  std::string hostname;
  std::string domainname;
  std::optional<spec::TimeOffsets> time_offsets;
  std::vector<spec::Ulimit> ulimits;  // set on the workload (and on `exec`ed processes)
  // Written in the container's net and ipc namespaces before it runs, as "net.ipv4.ip_forward" ->
  // "1": the lab's `sysctls` over the defaults (kDefaultSysctls).
  std::vector<std::pair<std::string, std::string>> sysctls;
};

// ping(8) without CAP_NET_RAW, through ICMP datagram sockets, for every group, as docker sets it:
// the course's network demo pings between containers.
inline constexpr std::pair<const char*, const char*> kDefaultSysctls[] = {
    {"net.ipv4.ping_group_range", "0 2147483647"}};

ProcessPlan plan_process(const spec::Lab& lab, const spec::Container& container);

}  // namespace srcompose::plan
