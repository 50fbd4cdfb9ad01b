// SPDX-License-Identifier: GPL-2.0-or-later
// Network planning: bridges, interfaces, host names and name files of a lab. Pure.
#include "plan/net.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>

#include "spec/values.hpp"

namespace srcompose::plan {
namespace {

// Hashes several parts with spec::fnv1a, each but the last followed by a NUL so that ("ab", "c")
// and ("a", "bc") hash differently.
class Fnv1a {
 public:
  Fnv1a& add(std::string_view part) {
    state_ = spec::fnv1a(std::string_view("\0", 1), spec::fnv1a(part, state_));
    return *this;
  }
  Fnv1a& add_last(std::string_view part) {
    state_ = spec::fnv1a(part, state_);
    return *this;
  }
  uint64_t value() const { return state_; }

 private:
  uint64_t state_ = spec::fnv1a({});
};

const spec::Network* find_network(const spec::Lab& lab, std::string_view name) {
  for (const auto& network : lab.networks) {
    if (network.name == name) return &network;
  }
  return nullptr;
}

bool has_network(const spec::Container& container) {
  return container.network_mode == spec::NetworkMode::bridge && !container.networks.empty();
}

// "ADDRESS\tname hostname"
void add_hosts_line(std::string& text, spec::Ipv4 address, const HostsEntry& entry) {
  text += spec::to_string(address);
  text += '\t';
  text += entry.names;
  text += '\n';
}

}  // namespace

std::string nft_table_name(std::string_view project) {
  std::string name = "srcompose_";
  for (char c : project) {
    // What nft takes in an identifier after its first character; a valid project name has only
    // these, so two projects never share a table.
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || c == '.';
    name += keep ? c : '_';
  }
  return name;
}

MacAddress container_mac(std::string_view project, std::string_view container,
                         std::string_view network) {
  uint64_t hash = Fnv1a().add("mac").add(project).add(container).add_last(network).value();
  MacAddress mac{0x02};
  for (size_t i = 1; i < mac.size(); ++i)
    mac[i] = static_cast<uint8_t>(hash >> (8 * (i - 1)));
  return mac;
}

std::string to_string(const MacAddress& mac) {
  std::array<char, 18> text{};
  std::snprintf(text.data(), text.size(), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
                mac[3], mac[4], mac[5]);
  return text.data();
}

std::string host_veth_name(std::string_view project, std::string_view container, size_t index) {
  return spec::hashed_interface_name(
      "sv-", Fnv1a().add(project).add(container).add(std::to_string(index)).value());
}

LabNetPlan plan_lab_networks(const spec::Lab& lab) {
  LabNetPlan plan;
  plan.nft_table = nft_table_name(lab.name);
  for (const auto& network : lab.networks) {
    plan.bridges.push_back(BridgePlan{.network = network.name,
                                      .bridge = network.bridge,
                                      .subnet = network.subnet,
                                      .gateway = network.gateway,
                                      .nat = network.nat,
                                      .internal = network.internal});
  }
  return plan;
}

ContainerNetPlan plan_container_net(const spec::Lab& lab, const spec::Container& container) {
  ContainerNetPlan plan;
  plan.enabled = container.network_mode == spec::NetworkMode::bridge;
  for (const auto& server : container.dns)
    plan.resolv_conf += "nameserver " + server + "\n";
  if (!plan.enabled) return plan;
  plan.ports = container.ports;
  for (size_t index = 0; index < container.networks.size(); ++index) {
    const auto& attachment = container.networks[index];
    // A Lab only names networks it defines (validated); skipping keeps this total anyway.
    const spec::Network* network = find_network(lab, attachment.network);
    if (network == nullptr) continue;
    plan.interfaces.push_back(
        InterfacePlan{.network = network->name,
                      .bridge = network->bridge,
                      .host_ifname = host_veth_name(lab.name, container.name, index),
                      .container_ifname = "eth" + std::to_string(plan.interfaces.size()),
                      .address = attachment.ipv4,
                      .prefix_length = network->subnet.prefix_length,
                      .gateway = network->gateway,
                      .mac = container_mac(lab.name, container.name, network->name)});
    if (!plan.default_gateway && !network->internal) plan.default_gateway = network->gateway;
  }
  return plan;
}

HostsTable plan_hosts_table(const spec::Lab& lab) {
  HostsTable table;
  for (const auto& container : lab.containers) {
    if (!has_network(container)) continue;
    HostsEntry entry{.container = container.name, .names = container.name, .addresses = {}};
    // The hostname only when it differs from the name.
    if (!container.hostname.empty() && container.hostname != container.name)
      entry.names += " " + container.hostname;
    for (const auto& attachment : container.networks)
      entry.addresses.emplace_back(attachment.network, attachment.ipv4);
    table.push_back(std::move(entry));
  }
  return table;
}

std::string hosts_file(const HostsTable& hosts, std::string_view container) {
  std::string text = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  auto self = std::find_if(hosts.begin(), hosts.end(),
                           [&](const HostsEntry& entry) { return entry.container == container; });
  if (self == hosts.end()) return text;
  for (const auto& [network, address] : self->addresses)
    add_hosts_line(text, address, *self);
  for (const auto& other : hosts) {
    if (&other == &*self) continue;
    for (const auto& [mine, unused] : self->addresses) {
      for (const auto& [theirs, address] : other.addresses) {
        if (theirs == mine) add_hosts_line(text, address, other);
      }
    }
  }
  return text;
}

}  // namespace srcompose::plan
