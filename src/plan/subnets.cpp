// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/subnets.hpp"

#include <algorithm>

#include "spec/values.hpp"

namespace srcompose::plan {
namespace {

bool overlaps_any(const spec::Cidr& candidate, const std::vector<spec::Cidr>& others) {
  return std::any_of(others.begin(), others.end(), [&](const spec::Cidr& other) {
    return spec::cidrs_overlap(candidate, other);
  });
}

// The subnet the network had when the lab was last up, if it still fits: kept so that a lab
// that comes up again gets the same addresses.
std::optional<spec::Cidr> previous_subnet(const spec::Network& network, const spec::Cidr& pool,
                                          const SubnetConstraints& constraints,
                                          const std::vector<spec::Cidr>& taken) {
  auto previous = constraints.previous.find(network.name);
  if (previous == constraints.previous.end()) return std::nullopt;
  const spec::Cidr& subnet = previous->second;
  if (subnet.prefix_length != spec::kAutoSubnetPrefix ||
      !spec::cidr_contains(pool, subnet.network) || overlaps_any(subnet, taken)) {
    return std::nullopt;
  }
  return subnet;
}

// The first free /24 of the pool from the network's hashed slot on; one no lab that is down
// remembers if there is one.
std::optional<spec::Cidr> free_subnet(const spec::Lab& lab, const spec::Network& network,
                                      const SubnetConstraints& constraints,
                                      const std::vector<spec::Cidr>& taken) {
  const spec::Cidr& pool = lab.subnet_pool;
  const uint32_t count = uint32_t{1} << (spec::kAutoSubnetPrefix - pool.prefix_length);
  auto nth = [&](uint32_t index) {
    return spec::Cidr{spec::Ipv4{pool.network.value + (index << (32 - spec::kAutoSubnetPrefix))},
                      spec::kAutoSubnetPrefix};
  };
  const uint32_t start =
      static_cast<uint32_t>(spec::fnv1a(network.name, spec::fnv1a(lab.name + '\0')) % count);
  for (bool avoid_remembered : {true, false}) {
    for (uint32_t step = 0; step < count; ++step) {
      spec::Cidr candidate = nth((start + step) % count);
      if (overlaps_any(candidate, taken)) continue;
      if (avoid_remembered && overlaps_any(candidate, constraints.remembered)) continue;
      return candidate;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::map<std::string, spec::Cidr, std::less<>>> pick_auto_subnets(
    const spec::Lab& lab, const SubnetConstraints& constraints) {
  std::map<std::string, spec::Cidr, std::less<>> chosen;
  std::vector<spec::Cidr> taken = constraints.held;
  for (const auto& network : lab.networks) {
    if (!network.subnet_auto) taken.push_back(network.subnet);
  }
  for (const auto& network : lab.networks) {
    if (!network.subnet_auto) continue;
    std::optional<spec::Cidr> pick = previous_subnet(network, lab.subnet_pool, constraints, taken);
    if (!pick) pick = free_subnet(lab, network, constraints, taken);
    if (!pick) {
      return Error::message("network " + network.name + ": no free /" +
                            std::to_string(spec::kAutoSubnetPrefix) + " left in subnet_pool " +
                            spec::to_string(lab.subnet_pool) +
                            " (the host's routes and addresses and the labs that are up hold "
                            "them all); expected a larger subnet_pool");
    }
    taken.push_back(*pick);
    chosen.emplace(network.name, *pick);
  }
  return chosen;
}

}  // namespace srcompose::plan
