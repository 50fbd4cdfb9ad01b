// SPDX-License-Identifier: GPL-2.0-or-later
#include "net/network.hpp"

#include <net/if.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <utility>

#include "common/lines.hpp"
#include "common/unique_fd.hpp"
#include "net/forwarding.hpp"
#include "net/netlink.hpp"
#include "net/netns.hpp"
#include "net/nftables.hpp"
#include "net/sysctl.hpp"
#include "spec/values.hpp"

namespace srcompose::net {
namespace {

std::string project_alias_prefix(std::string_view project) {
  return "srcompose:" + std::string(project) + ":";
}

bool is_ours(const LinkInfo& link, std::string_view project) {
  return link.alias.starts_with(project_alias_prefix(project));
}

// A link of a bridge's name must be absent, or left by this project (then it is deleted here).
Status claim_bridge_name(const NetlinkSocket& socket, const plan::BridgePlan& bridge,
                         std::string_view project) {
  auto existing = find_link(socket, bridge.bridge);
  if (!existing) return std::move(existing).error();
  if (!existing->has_value()) return {};
  const LinkInfo& link = **existing;
  if (!is_ours(link, project)) {
    return Error::message("a link named " + bridge.bridge + " exists and was not created by " +
                          "srcompose for project " + std::string(project) +
                          (link.alias.empty() ? "" : " (alias '" + link.alias + "')") +
                          "; srcompose neither takes it over nor deletes it");
  }
  return delete_link(socket, link.ifindex, link.name);
}

Status check_subnets(const NetlinkSocket& socket, const plan::LabNetPlan& plan) {
  auto routes = list_ipv4_routes(socket);
  if (!routes) return std::move(routes).error();
  for (size_t i = 0; i < plan.bridges.size(); ++i) {
    const auto& bridge = plan.bridges[i];
    for (const auto& route : *routes) {
      if (spec::cidrs_overlap(bridge.subnet, route.destination)) {
        return Error::message("network " + bridge.network + ": subnet " +
                              spec::to_string(bridge.subnet) + " overlaps the host's route " +
                              route.text);
      }
    }
    for (size_t j = 0; j < i; ++j) {
      if (spec::cidrs_overlap(bridge.subnet, plan.bridges[j].subnet)) {
        return Error::message("network " + bridge.network + ": subnet " +
                              spec::to_string(bridge.subnet) + " overlaps network " +
                              plan.bridges[j].network);
      }
    }
  }
  return {};
}

Status bring_up_bridge(const NetlinkSocket& socket, const plan::BridgePlan& bridge) {
  auto link = find_link(socket, bridge.bridge);
  if (!link) return std::move(link).error();
  if (!link->has_value()) return Error::from_errno("RTM_GETLINK " + bridge.bridge, ENODEV);
  if (auto status = disable_ipv6(bridge.bridge); !status) return status;
  if (auto status =
          add_ipv4_address(socket, (*link)->ifindex, bridge.gateway, bridge.subnet.prefix_length);
      !status) {
    return status;
  }
  return set_link_up(socket, bridge.bridge);
}

// Deletes the link named `name` if it is still there and carries `project`'s alias.
Status delete_our_link(const NetlinkSocket& socket, const std::string& name,
                       std::string_view project) {
  auto link = find_link(socket, name);
  if (!link) return std::move(link).error();
  if (!link->has_value() || !is_ours(**link, project)) return {};
  auto status = delete_link(socket, (*link)->ifindex, name);
  // A veth also goes away when its peer's namespace dies: gone meanwhile is done.
  if (!status && status.error().error_number() == ENODEV) return {};
  return status;
}

// A host end of this name left by an earlier run of the same container is replaced (its namespace
// may be still dying); any other link of that name is refused.
Status claim_host_end(const NetlinkSocket& socket, const std::string& name,
                      const std::string& alias) {
  auto existing = find_link(socket, name);
  if (!existing) return std::move(existing).error();
  if (!existing->has_value()) return {};
  if ((*existing)->alias != alias) {
    return Error::message("a link named " + name + " exists and was not created by srcompose for " +
                          alias);
  }
  auto status = delete_link(socket, (*existing)->ifindex, name);
  if (!status && status.error().error_number() == ENODEV) return {};
  return status;
}

// A lab's networks are IPv4: neither end of a container's veth makes an IPv6 address. A link-local
// address announces itself (duplicate address detection, MLD reports) and the bridge floods each
// announcement to every other port, so a lab of n containers cost the kernel's workers n² packets
// as it came up (a tenth of `up` x200's CPU). No IPv6 on an IPv4-only interface is also docker's
// rule since CVE-2024-32473. Unlike the bridge, the host end needs no disable_ipv6 against router
// advertisements: a bridge port's own IPv6 receives nothing, the bridge takes every frame on it.
Ipv6Address without_ipv6_addresses() {
  return kernel_has_ipv6() ? Ipv6Address::none : Ipv6Address::kernel_default;
}

Status configure_inside(const NetlinkSocket& inside, const plan::ContainerNetPlan& plan) {
  if (auto status = set_link_up(inside, "lo"); !status) return status;
  int default_ifindex = 0;
  for (const auto& interface : plan.interfaces) {
    auto link = find_link(inside, interface.container_ifname);
    if (!link) return std::move(link).error();
    if (!link->has_value()) {
      return Error::from_errno("RTM_GETLINK " + interface.container_ifname, ENODEV);
    }
    if (auto status =
            add_ipv4_address(inside, (*link)->ifindex, interface.address, interface.prefix_length);
        !status) {
      return status;
    }
    if (auto status = set_link_up(inside, interface.container_ifname, without_ipv6_addresses());
        !status) {
      return status;
    }
    if (plan.default_gateway && default_ifindex == 0 &&
        interface.gateway == *plan.default_gateway) {
      default_ifindex = (*link)->ifindex;
    }
  }
  if (!plan.default_gateway) return {};
  return add_default_route(inside, *plan.default_gateway, default_ifindex);
}

std::string read_text_file(const char* path) {
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return "";
  std::string text;
  std::array<char, 4096> buffer{};
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer.data(), static_cast<size_t>(n));
  }
  return text;
}

// Host veth ends first: deleting a bridge first would only detach them.
Status delete_project_links(std::string_view project,
                            const std::vector<std::string>& unlabelled_bridges) {
  auto socket = NetlinkSocket::open();
  if (!socket) return std::move(socket).error();
  auto links = list_links(*socket);
  if (!links) return std::move(links).error();
  FirstError errors;
  for (bool bridges : {false, true}) {
    for (const auto& link : *links) {
      const bool unlabelled_ours = link.kind == "bridge" && link.alias.empty() &&
                                   std::find(unlabelled_bridges.begin(), unlabelled_bridges.end(),
                                             link.name) != unlabelled_bridges.end();
      if (!(is_ours(link, project) || unlabelled_ours) || (link.kind == "bridge") != bridges)
        continue;
      auto status = delete_link(*socket, link.ifindex, link.name);
      if (!status && status.error().error_number() == ENODEV) continue;  // gone already
      errors.keep(std::move(status));
    }
  }
  return std::move(errors).status();
}

// One interface of a container: the veth pair, its host end (recorded in `host_ends` once it
// exists, so that it is removed on failure) on the bridge and up, its other end in the netns.
Status add_interface(const NetlinkSocket& host, const plan::InterfacePlan& interface,
                     const std::string& alias, uint32_t group, int netns_fd,
                     std::vector<std::string>& host_ends) {
  auto context =
      interface.container_ifname + " (" + interface.host_ifname + " on " + interface.bridge + ")";
  if (auto status = claim_host_end(host, interface.host_ifname, alias); !status)
    return std::move(status).error().context(context);
  auto bridge = find_link(host, interface.bridge);
  if (!bridge) return std::move(bridge).error().context(context);
  if (!bridge->has_value()) {
    return Error::message("bridge " + interface.bridge + " of network " + interface.network +
                          " does not exist");
  }
  if (auto status = create_veth(host, interface.host_ifname, alias, group, (*bridge)->ifindex,
                                interface.container_ifname, netns_fd, interface.mac,
                                without_ipv6_addresses());
      !status) {
    return std::move(status).error().context(context);
  }
  host_ends.push_back(interface.host_ifname);
  if (auto status = set_link_up(host, interface.host_ifname); !status)
    return std::move(status).error().context(context);
  return {};
}

}  // namespace

std::string link_alias(std::string_view project, std::string_view owner) {
  return project_alias_prefix(project) + std::string(owner);
}

uint32_t link_group(std::string_view project) {
  return 0x4000'0000U | static_cast<uint32_t>(spec::fnv1a(project) & 0x3fff'ffffU);
}

Result<bool> links_unlisted(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (::if_nametoindex(name.c_str()) != 0) return false;
    if (errno != ENODEV && errno != ENXIO) return Error::last_errno("if_nametoindex " + name);
  }
  return true;
}

// ---- LabNetwork ----

LabNetwork::LabNetwork(LabNetwork&& other) noexcept
    : project_(std::move(other.project_)),
      table_(std::move(other.table_)),
      bridges_(std::exchange(other.bridges_, {})),
      table_created_(std::exchange(other.table_created_, false)),
      forwarding_held_(std::exchange(other.forwarding_held_, false)),
      table_deleter_(std::exchange(other.table_deleter_, std::nullopt)) {}

LabNetwork& LabNetwork::operator=(LabNetwork&& other) noexcept {
  if (this != &other) {
    (void)remove();
    project_ = std::move(other.project_);
    table_ = std::move(other.table_);
    bridges_ = std::exchange(other.bridges_, {});
    table_created_ = std::exchange(other.table_created_, false);
    forwarding_held_ = std::exchange(other.forwarding_held_, false);
    table_deleter_ = std::exchange(other.table_deleter_, std::nullopt);
  }
  return *this;
}

// A destructor has no one to report to: the failure stays on the host for cleanup_project.
LabNetwork::~LabNetwork() {
  (void)remove();
}

Result<LabNetwork> LabNetwork::create(const plan::LabNetPlan& plan, std::string_view project) {
  const std::string where = "networks of project " + std::string(project);
  auto script = lab_ruleset(plan);
  if (!script) return std::move(script).error().context(where);
  auto socket = NetlinkSocket::open();
  if (!socket) return std::move(socket).error().context(where);

  // Everything is checked before anything is created.
  for (const auto& bridge : plan.bridges) {
    if (auto status = claim_bridge_name(*socket, bridge, project); !status) {
      return std::move(status).error().context("network " + bridge.network).context(where);
    }
  }
  if (auto status = check_subnets(*socket, plan); !status) {
    return std::move(status).error().context(where);
  }

  LabNetwork owner;
  owner.project_ = std::string(project);
  owner.table_ = plan.nft_table;
  bool any_nat = false;
  for (const auto& bridge : plan.bridges) {
    auto context = "network " + bridge.network + ": bridge " + bridge.bridge;
    if (auto status = create_bridge(*socket, bridge.bridge, link_alias(project, bridge.network),
                                    link_group(project));
        !status) {
      return std::move(status).error().context(context).context(where);
    }
    owner.bridges_.push_back(bridge.bridge);
    if (auto status = bring_up_bridge(*socket, bridge); !status) {
      return std::move(status).error().context(context).context(where);
    }
    any_nat = any_nat || (bridge.nat && !bridge.internal);
  }
  if (any_nat) {
    // Marked before: a hold that failed half-way is released like a whole one.
    owner.forwarding_held_ = true;
    if (auto status = hold_ipv4_forwarding(project); !status) {
      return std::move(status).error().context(where);
    }
  }
  // Marked before applying: a failed transaction leaves nothing, and deleting nothing is harmless.
  owner.table_created_ = true;
  if (auto status = apply_lab_ruleset(*script); !status) {
    return std::move(status).error().context("table inet " + plan.nft_table).context(where);
  }
  return owner;
}

Status LabNetwork::remove_table() {
  if (!table_created_) return {};
  table_created_ = false;
  auto session = NftSession::open();
  if (!session) return std::move(session).error();
  table_deleter_ = std::move(*session);
  return delete_table(table_, *table_deleter_);
}

Status LabNetwork::remove_links() {
  if (bridges_.empty()) return {};
  auto socket = NetlinkSocket::open();
  if (!socket) return std::move(socket).error();
  FirstError errors;
  const uint32_t group = link_group(project_);
  auto links = list_links(*socket);
  if (!links) {
    errors.keep(std::move(links).error());
  } else if (std::all_of(links->begin(), links->end(), [&](const LinkInfo& link) {
               return link.group != group || is_ours(link, project_);
             })) {
    auto status = delete_link_group(*socket, group);
    // Done: the bridges were in the group (ENODEV: gone before). Nothing is looked up by name
    // afterwards: the caller answers `down` once the names are unlisted, while this call still
    // waits in the kernel, and the next `up` of the project may have made a bridge of the same
    // name and alias by then.
    if (status || status.error().error_number() == ENODEV) {
      bridges_.clear();
      return {};
    }
    errors.keep(std::move(status));
  }
  // The group was not deleted: the bridges one by one, each looked up while it still has its name
  // (the caller waits until every name is unlisted).
  for (auto it = bridges_.rbegin(); it != bridges_.rend(); ++it)
    errors.keep(delete_our_link(*socket, *it, project_));
  bridges_.clear();
  return std::move(errors).status();
}

Status LabNetwork::release_forwarding() {
  if (!forwarding_held_) return {};
  forwarding_held_ = false;
  return release_ipv4_forwarding(project_);
}

Status LabNetwork::remove() {
  FirstError errors;
  // Last: forwarding stays on until the lab's table and bridges are gone.
  for (Status status : {remove_table(), remove_links(), release_forwarding()})
    errors.keep(std::move(status));
  return std::move(errors).status("remove networks of " + project_);
}

void LabNetwork::release() {
  bridges_.clear();
  table_created_ = false;
  forwarding_held_ = false;
}

// ---- ContainerLinks ----

ContainerLinks::ContainerLinks(ContainerLinks&& other) noexcept
    : alias_(std::move(other.alias_)),
      host_ends_(std::exchange(other.host_ends_, {})),
      netns_(std::move(other.netns_)) {}

// Only bad_alloc can escape remove() (its error texts), and terminating is right then.
// NOLINTNEXTLINE(bugprone-exception-escape)
ContainerLinks& ContainerLinks::operator=(ContainerLinks&& other) noexcept {
  if (this != &other) {
    (void)remove();
    alias_ = std::move(other.alias_);
    host_ends_ = std::exchange(other.host_ends_, {});
    netns_ = std::move(other.netns_);
  }
  return *this;
}

// Only bad_alloc can escape remove(), and terminating is right then.
// NOLINTNEXTLINE(bugprone-exception-escape)
ContainerLinks::~ContainerLinks() {
  (void)remove();
}

Result<ContainerLinks> ContainerLinks::attach(const plan::ContainerNetPlan& plan,
                                              std::string_view project, std::string_view container,
                                              pid_t pid) {
  const std::string where = "network of container " + std::string(container);
  ContainerLinks owner;
  owner.alias_ = link_alias(project, container);
  auto netns = open_netns(pid);
  if (!netns) return std::move(netns).error().context(where);
  auto host = NetlinkSocket::open();
  if (!host) return std::move(host).error().context(where);
  auto inside = netlink_socket_in(netns->get());
  if (!inside) return std::move(inside).error().context(where);

  if (plan.enabled) {
    for (const auto& interface : plan.interfaces) {
      if (auto status = add_interface(*host, interface, owner.alias_, link_group(project),
                                      netns->get(), owner.host_ends_);
          !status) {
        return std::move(status).error().context(where);
      }
    }
  }
  plan::ContainerNetPlan inside_plan = plan;
  if (!plan.enabled) {
    inside_plan.interfaces.clear();
    inside_plan.default_gateway.reset();
  }
  if (auto status = configure_inside(*inside, inside_plan); !status) {
    return std::move(status).error().context("inside its netns").context(where);
  }
  if (!owner.host_ends_.empty()) owner.netns_ = std::move(*netns);
  return owner;
}

Status ContainerLinks::remove() {
  // Those that vanished cost no netlink request (the common case: see host_ends()).
  std::erase_if(host_ends_, [](const std::string& name) {
    auto unlisted = links_unlisted({name});
    return unlisted && *unlisted;
  });
  if (host_ends_.empty()) return {};
  auto socket = NetlinkSocket::open();
  if (!socket) return std::move(socket).error().context("remove " + alias_);
  FirstError errors;
  for (const auto& name : host_ends_) {
    auto link = find_link(*socket, name);
    if (!link) {
      errors.keep(std::move(link).error());
      continue;
    }
    if (!link->has_value() || (*link)->alias != alias_) continue;
    auto status = delete_link(*socket, (*link)->ifindex, name);
    if (!status && status.error().error_number() == ENODEV) continue;  // gone already
    errors.keep(std::move(status));
  }
  host_ends_.clear();
  return std::move(errors).status("remove " + alias_);
}

void ContainerLinks::release() {
  host_ends_.clear();
}

// ---- crash cleanup and names ----

Status cleanup_project(std::string_view project,
                       const std::vector<std::string>& unlabelled_bridges) {
  const std::string where = "clean up networks of project " + std::string(project);
  FirstError errors;
  errors.keep(delete_table(plan::nft_table_name(project)));
  errors.keep(delete_project_links(project, unlabelled_bridges));
  // Whether or not the lab had a `nat` network: releasing what is not held changes nothing.
  errors.keep(release_ipv4_forwarding(project));
  return std::move(errors).status(where);
}

std::string filter_resolv_conf(std::string_view host_text) {
  std::string kept;
  bool any_nameserver = false;
  for (std::string_view line : split_lines(host_text)) {
    if (line.starts_with("nameserver")) {
      std::string_view server = line.substr(10);
      while (!server.empty() && (server.front() == ' ' || server.front() == '\t')) {
        server.remove_prefix(1);
      }
      // The container has its own loopback: the host's resolver there is out of reach.
      if (server.starts_with("127.") || server.starts_with("::1")) continue;
      any_nameserver = true;
    }
    kept += line;
    kept += '\n';
  }
  if (!any_nameserver) {
    return "# srcompose: the host's resolv.conf names no nameserver a container can reach "
           "(loopback ones are dropped)\n";
  }
  return kept;
}

std::string host_resolv_conf() {
  return filter_resolv_conf(read_text_file("/etc/resolv.conf"));
}

}  // namespace srcompose::net
