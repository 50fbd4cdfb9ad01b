// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/subnet_registry.hpp"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "net/netlink.hpp"
#include "plan/subnets.hpp"
#include "spec/load.hpp"
#include "spec/values.hpp"
#include "supervisor/host_registry.hpp"

namespace srcompose::supervisor {
namespace {

constexpr const char* kRegistry = "subnets";

struct Entry {
  std::string project;
  std::string network;
  spec::Cidr subnet;
  bool automatic = false;
};

// "PROJECT NETWORK SUBNET auto|fixed".
std::optional<Entry> parse_entry(const std::string& line) {
  std::istringstream fields(line);
  Entry entry;
  std::string subnet, kind;
  if (!(fields >> entry.project >> entry.network >> subnet >> kind) ||
      !spec::is_project_name(entry.project) || (kind != "auto" && kind != "fixed")) {
    return std::nullopt;
  }
  auto cidr = spec::parse_cidr(subnet);
  if (!cidr) return std::nullopt;
  entry.subnet = *cidr;
  entry.automatic = kind == "auto";
  return entry;
}

std::string format_entry(const Entry& entry) {
  return entry.project + " " + entry.network + " " + spec::to_string(entry.subnet) +
         (entry.automatic ? " auto" : " fixed");
}

// What the host's routing holds: every route but the default ones and the local table's, and
// every address with its subnet.
Result<std::vector<spec::Cidr>> host_blocks() {
  auto socket = net::NetlinkSocket::open();
  if (!socket) return std::move(socket).error();
  auto routes = net::list_ipv4_routes(*socket);
  if (!routes) return std::move(routes).error();
  auto blocks = net::list_ipv4_address_blocks(*socket);
  if (!blocks) return std::move(blocks).error();
  for (const auto& route : *routes)
    blocks->push_back(route.destination);
  return blocks;
}

Status check_fixed_subnets(const spec::Lab& lab, const std::vector<Entry>& held) {
  for (const auto& network : lab.networks) {
    if (network.subnet_auto) continue;
    for (const auto& entry : held) {
      if (!spec::cidrs_overlap(network.subnet, entry.subnet)) continue;
      return Error::message("network " + network.name + ": subnet " +
                            spec::to_string(network.subnet) + " overlaps " +
                            spec::to_string(entry.subnet) + " of network " + entry.network +
                            " of lab " + entry.project + ", which is up");
    }
  }
  return {};
}

Result<SubnetChoice> reserve_locked(const LockedRegistry& registry, const StatePaths& paths,
                                    const spec::Lab& lab) {
  auto entries = registry.read_entries(parse_entry);
  if (!entries) return std::move(entries).error().context("subnet registry");
  std::vector<Entry> held, kept;
  plan::SubnetConstraints constraints;
  for (auto& entry : *entries) {
    if (entry.project == paths.project) {
      if (entry.automatic) constraints.previous.emplace(entry.network, entry.subnet);
    } else if (registry.project_is_up(entry.project)) {
      constraints.held.push_back(entry.subnet);
      held.push_back(entry);
      kept.push_back(std::move(entry));
    } else {
      constraints.remembered.push_back(entry.subnet);
      kept.push_back(std::move(entry));
    }
  }
  if (auto status = check_fixed_subnets(lab, held); !status) return std::move(status).error();
  SubnetChoice chosen;
  if (std::any_of(lab.networks.begin(), lab.networks.end(),
                  [](const spec::Network& network) { return network.subnet_auto; })) {
    auto blocks = host_blocks();
    if (!blocks) return std::move(blocks).error().context("read the host's routes");
    constraints.held.insert(constraints.held.end(), blocks->begin(), blocks->end());
    auto picked = plan::pick_auto_subnets(lab, constraints);
    if (!picked) return std::move(picked).error();
    chosen = std::move(*picked);
  }
  // A lab that is down loses its memory of what this one takes now.
  std::erase_if(kept, [&](const Entry& entry) {
    return !registry.project_is_up(entry.project) &&
           std::any_of(chosen.begin(), chosen.end(), [&](const auto& pick) {
             return spec::cidrs_overlap(pick.second, entry.subnet);
           });
  });
  for (const auto& network : lab.networks) {
    auto pick = chosen.find(network.name);
    spec::Cidr subnet = pick != chosen.end() ? pick->second : network.subnet;
    kept.push_back(Entry{paths.project, network.name, subnet, network.subnet_auto});
  }
  if (auto status = registry.write_entries(kept, format_entry); !status)
    return std::move(status).error().context("subnet registry");
  return chosen;
}

}  // namespace

Result<SubnetChoice> reserve_subnets(const StatePaths& paths, const spec::Lab& lab) {
  auto registry = LockedRegistry::lock(paths, kRegistry, /*create=*/true);
  if (!registry) return std::move(registry).error().context("subnet registry");
  return reserve_locked(*registry, paths, lab);
}

Result<SubnetChoice> recorded_subnets(const StatePaths& paths) {
  auto registry = LockedRegistry::lock(paths, kRegistry, /*create=*/false, /*exclusive=*/false);
  if (!registry) return std::move(registry).error().context("subnet registry");
  auto entries = registry->read_entries(parse_entry);
  if (!entries) return std::move(entries).error().context("subnet registry");
  SubnetChoice recorded;
  for (const auto& entry : *entries) {
    if (entry.project == paths.project && entry.automatic)
      recorded.emplace(entry.network, entry.subnet);
  }
  return recorded;
}

}  // namespace srcompose::supervisor
