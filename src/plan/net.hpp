// SPDX-License-Identifier: GPL-2.0-or-later
// Network plan: bridges of the lab and, per container, its interfaces, routes and name files.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plan/shared.hpp"
#include "spec/lab.hpp"

namespace srcompose::plan {

struct BridgePlan {
  std::string network;  // lab network name
  std::string bridge;   // host interface name (<= 15 chars)
  spec::Cidr subnet;
  spec::Ipv4 gateway;
  bool nat = false;
  bool internal = false;
};

using MacAddress = std::array<uint8_t, 6>;

// A locally administered unicast address (02:...) from a hash of (project, container, network): the
// same on every run, so that two runs of a lab are the same environment (and ARP caches of peers
// stay right across a restart).
MacAddress container_mac(std::string_view project, std::string_view container,
                         std::string_view network);
std::string to_string(const MacAddress& mac);  // "02:1a:2b:3c:4d:5e"

struct InterfacePlan {
  std::string network;
  std::string bridge;            // host bridge the host end is attached to
  std::string host_ifname;       // host end of the veth: derived from project, container and index
  std::string container_ifname;  // eth0, eth1, ... in lab file order
  spec::Ipv4 address;
  uint8_t prefix_length = 24;
  spec::Ipv4 gateway;
  MacAddress mac{};  // of the container end: the same on every run of the lab
};

// What /etc/hosts says of one container that has networks: its names and its address on each of
// its networks, in its network order.
struct HostsEntry {
  std::string container;
  std::string names;  // "name", or "name hostname" when the hostname differs
  std::vector<std::pair<std::string, spec::Ipv4>> addresses;  // network, address
};

// Every container of the lab with a network, in lab file order: one table for the whole lab, from
// which each container's /etc/hosts is made when its layer is written (hosts_file). Kept as one
// file per container, a lab of N containers held N files of N lines (1.5 MB at 200).
using HostsTable = std::vector<HostsEntry>;

struct ContainerNetPlan {
  bool enabled = true;  // false: network_mode = "none" (still its own netns with lo)
  std::vector<InterfacePlan> interfaces;
  std::optional<spec::Ipv4> default_gateway;  // first non-internal network's gateway
  std::vector<spec::PortMapping> ports;
  Shared<HostsTable> hosts;  // the lab's (one copy for all its containers)
  std::string resolv_conf;   // /etc/resolv.conf content ("" -> copy the host's at start)
};

struct LabNetPlan {
  std::vector<BridgePlan> bridges;
  std::string nft_table;  // "srcompose_<project>": the one nftables table of the project
};

LabNetPlan plan_lab_networks(const spec::Lab& lab);
// Without `hosts`, which plan_lab sets to plan_hosts_table's (one for the lab).
ContainerNetPlan plan_container_net(const spec::Lab& lab, const spec::Container& container);
HostsTable plan_hosts_table(const spec::Lab& lab);

// /etc/hosts of `container`: localhost, its own addresses, then every other container of `hosts`
// that shares a network with it, in lab file order, one line per shared network in its network
// order. Only localhost for a container without networks.
std::string hosts_file(const HostsTable& hosts, std::string_view container);

// Host names derived from the project, shared by planning and crash cleanup (pure).
// "srcompose_<project>", any character nft does not take in a table name replaced by '_'.
std::string nft_table_name(std::string_view project);
// "sv-" + 12 hex digits of a hash of (project, container, index): 15 characters, the IFNAMSIZ
// limit. (A network's bridge is named by the loader: spec::default_bridge_name.)
std::string host_veth_name(std::string_view project, std::string_view container, size_t index);

}  // namespace srcompose::plan
