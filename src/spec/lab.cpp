// SPDX-License-Identifier: GPL-2.0-or-later
#include "spec/lab.hpp"

#include <algorithm>

namespace srcompose::spec {

const Container* Lab::find_container(std::string_view container_name) const {
  for (const auto& container : containers) {
    if (container.name == container_name) return &container;
  }
  return nullptr;
}

const Network* Lab::find_network(std::string_view network_name) const {
  for (const auto& network : networks) {
    if (network.name == network_name) return &network;
  }
  return nullptr;
}

// Kahn's algorithm that always takes the first ready container in file order, so the result is
// stable and a lab without dependencies starts in file order. The loader rejected cycles; should
// one slip through, the containers left over are appended in file order rather than dropped.
std::vector<const Container*> Lab::start_order() const {
  std::vector<const Container*> order;
  std::vector<bool> placed(containers.size(), false);
  auto is_placed = [&](std::string_view container_name) {
    for (size_t i = 0; i < containers.size(); ++i) {
      if (containers[i].name == container_name) return static_cast<bool>(placed[i]);
    }
    return true;  // unknown dependency: validation reports it; it never blocks
  };
  while (order.size() < containers.size()) {
    bool progressed = false;
    for (size_t i = 0; i < containers.size(); ++i) {
      if (placed[i]) continue;
      const auto& deps = containers[i].depends_on;
      bool ready = std::all_of(deps.begin(), deps.end(),
                               [&](const Dependency& dep) { return is_placed(dep.container); });
      if (ready) {
        placed[i] = true;
        order.push_back(&containers[i]);
        progressed = true;
        break;
      }
    }
    if (!progressed) {
      for (size_t i = 0; i < containers.size(); ++i) {
        if (!placed[i]) order.push_back(&containers[i]);
      }
      break;
    }
  }
  return order;
}

bool Lab::has_unassigned_subnets() const {
  return std::any_of(networks.begin(), networks.end(), [](const Network& network) {
    return network.subnet_auto && network.subnet.network.value == 0;
  });
}

void assign_auto_subnets(Lab& lab, const std::map<std::string, Cidr, std::less<>>& chosen) {
  for (auto& network : lab.networks) {
    auto choice = chosen.find(network.name);
    if (!network.subnet_auto || choice == chosen.end()) continue;
    auto rebase = [&](Ipv4 address) {
      uint32_t offset = address.value - network.subnet.network.value;
      return Ipv4{choice->second.network.value + offset};
    };
    network.gateway = rebase(network.gateway);
    for (auto& container : lab.containers) {
      for (auto& attachment : container.networks) {
        if (attachment.network == network.name) attachment.ipv4 = rebase(attachment.ipv4);
      }
    }
    network.subnet = choice->second;
  }
}

std::string to_string(Ipv4 address) {
  uint32_t v = address.value;
  return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 0xff) + "." +
         std::to_string((v >> 8) & 0xff) + "." + std::to_string(v & 0xff);
}

std::string to_string(const Cidr& cidr) {
  return to_string(cidr.network) + "/" + std::to_string(cidr.prefix_length);
}

std::string_view to_string(RootfsKind kind) {
  switch (kind) {
    case RootfsKind::directory:
      return "directory";
    case RootfsKind::tarball:
      return "tarball";
    case RootfsKind::builtin_busybox:
      return "builtin";
  }
  return "?";
}

std::string_view to_string(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::no:
      return "no";
    case RestartPolicy::on_failure:
      return "on-failure";
    case RestartPolicy::on_oom:
      return "on-oom";
    case RestartPolicy::always:
      return "always";
  }
  return "?";
}

std::string_view to_string(DependencyCondition condition) {
  switch (condition) {
    case DependencyCondition::started:
      return "started";
    case DependencyCondition::healthy:
      return "healthy";
    case DependencyCondition::completed_successfully:
      return "completed_successfully";
  }
  return "?";
}

std::string_view to_string(Protocol protocol) {
  return protocol == Protocol::tcp ? "tcp" : "udp";
}

std::string_view to_string(MountType type) {
  return type == MountType::bind ? "bind" : "tmpfs";
}

std::string_view to_string(SeccompMode mode) {
  switch (mode) {
    case SeccompMode::default_profile:
      return "default";
    case SeccompMode::unconfined:
      return "unconfined";
    case SeccompMode::profile_file:
      return "file";
  }
  return "?";
}

std::string_view to_string(NetworkMode mode) {
  return mode == NetworkMode::bridge ? "bridge" : "none";
}

std::string_view to_string(IdMapMode mode) {
  switch (mode) {
    case IdMapMode::automatic:
      return "auto";
    case IdMapMode::host:
      return "host";
    case IdMapMode::explicit_ranges:
      return "explicit";
  }
  return "?";
}

}  // namespace srcompose::spec
