// SPDX-License-Identifier: GPL-2.0-or-later
// What every container's own namespaces get before it runs, whatever its networks: loopback up
// (also with network_mode = "none" and no network at all), and its namespaced sysctls.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace srcompose::net {

// Parent side, root, while the child waits on the sync socket (it must not be reaped meanwhile).
// Brings `lo` up in the network namespace of `pid` (unless `loopback` is LoopbackUp::by_links:
// ContainerLinks::attach does it with the interfaces, on the socket it opens in there anyway) and
// writes each sysctl ("net.ipv4.ip_forward" ->
// "1") to /proc/sys in its net and ipc namespaces, from a short-lived thread that entered them: the
// supervisor's thread never does. The loader admitted only keys of those namespaces. Errors name
// the key: "sysctl net.ipv4.nope = 1: open /proc/sys/net/ipv4/nope: No such file or directory".
// The ipc sysctls are written as the container's root (`root_uid`, `root_gid` on the host): only
// the owner of their namespace may (ipc_permissions() in the kernel checks the euid).
enum class LoopbackUp { here, by_links };
Status set_up_container_namespaces(pid_t pid,
                                   std::vector<std::pair<std::string, std::string>> sysctls,
                                   uid_t root_uid, gid_t root_gid, LoopbackUp loopback);

}  // namespace srcompose::net
