// SPDX-License-Identifier: GPL-2.0-or-later
// Networks of a lab on the host: bridges, the project's nftables table, containers' veth pairs.
//
// Parent side only, as root in the host's network namespace, on the supervisor's thread. Everything
// srcompose creates here carries its project in its name or netlink alias, so `down` after a crash
// (cleanup_project) finds it again and never touches anything else.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "net/nftables.hpp"
#include "plan/net.hpp"

namespace srcompose::net {

// "srcompose:<project>:<network or container>": the netlink alias of every link srcompose creates.
std::string link_alias(std::string_view project, std::string_view owner);

// The netdev group of every link srcompose creates on the host for `project` (its bridges and its
// containers' host veth ends), so that the teardown deletes them all in one request
// (LabNetwork::remove_links). Derived from the project's name; in [2^30, 2^31): never 0 (the
// default group), far from the small numbers /etc/iproute2/group names, and positive where `ip`
// prints it as a signed number.
uint32_t link_group(std::string_view project);

// True once no link of any of `names` is listed in the host's namespace. By name, without
// netlink: an RTM_GETLINK may wait for the rtnl lock, which a link's deletion holds through its
// RCU grace periods, and this is asked every millisecond on the supervisor's loop. SIOCGIFINDEX
// looks the name up under RCU.
Result<bool> links_unlisted(const std::vector<std::string>& names);

// Owner of a lab's bridges and its nftables table. The destructor removes them unless released.
class LabNetwork {
 public:
  LabNetwork() = default;
  LabNetwork(LabNetwork&& other) noexcept;
  LabNetwork& operator=(LabNetwork&& other) noexcept;
  LabNetwork(const LabNetwork&) = delete;
  LabNetwork& operator=(const LabNetwork&) = delete;
  ~LabNetwork();

  // Checks every bridge before creating any: a link of that name that srcompose did not create for
  // this project and network is an error (it is neither taken over nor deleted; one left by an
  // earlier run of the same project is replaced); a subnet overlapping a route of the host is an
  // error naming the route. Then per bridge: create it with its alias, IPv6 off (disable_ipv6), the
  // gateway address, up. Then, if any network is `nat`, net.ipv4.ip_forward = 1 held for the
  // project (see forwarding.hpp), and the project's table (see nftables.hpp). On failure, whatever
  // was created is removed again.
  static Result<LabNetwork> create(const plan::LabNetPlan& plan, std::string_view project);

  // Deletes the bridges (ports detach; containers' veths die with their namespaces) and the table,
  // then releases ip_forward (put back when no other lab holds it). Tries everything and reports
  // the first failure.
  Status remove();
  // remove() in its parts, for a caller that runs the first two at once on two threads (they touch
  // different members); release_forwarding after both. The errors have no context; remove() adds
  // it.
  //
  // remove_table returns once the table is gone; the netfilter socket that deleted it stays open
  // in this owner, because closing it waits until the kernel has destroyed the table (an RCU grace
  // period, ~10-20 ms): the destructor closes it, by then without a wait.
  Status remove_table();
  // The bridges and every host veth end of the project (all in its link_group) in one RTM_DELLINK:
  // they leave the list at once, and the kernel's RCU waits (~40 ms for a bridge, ~20 ms for each
  // veth deleted alone, one after the other) are paid once and only by this call, which returns
  // after them; links_unlisted() of bridge_names() is true long before. A group that holds any link
  // that is not the project's (by its alias) is not deleted: then the bridges are, one by one, and
  // the veths go with their containers' namespaces.
  Status remove_links();
  Status release_forwarding();
  // The bridges' names (for links_unlisted), taken before remove_links runs on another thread.
  std::vector<std::string> bridge_names() const { return bridges_; }
  // Keeps everything on the host: the destructor no longer removes it.
  void release();

 private:
  std::string project_;
  std::string table_;
  std::vector<std::string> bridges_;  // created by us, in creation order
  bool table_created_ = false;
  bool forwarding_held_ = false;
  std::optional<NftSession> table_deleter_;  // see remove_table
};

// Owner of one container's host-side veth ends. The container ends die with its network namespace.
class ContainerLinks {
 public:
  ContainerLinks() = default;
  ContainerLinks(ContainerLinks&& other) noexcept;
  // NOLINTNEXTLINE(bugprone-exception-escape): see the definition
  ContainerLinks& operator=(ContainerLinks&& other) noexcept;
  ContainerLinks(const ContainerLinks&) = delete;
  ContainerLinks& operator=(const ContainerLinks&) = delete;
  ~ContainerLinks();  // NOLINT(bugprone-exception-escape): see the definition

  // Parent side, while the child `pid` waits after clone (the caller keeps it unreaped, so the pid
  // names that process). For each interface: a veth pair, the host end (alias, enslaved to its
  // bridge, no IPv6 address, up) and the peer created directly in the child's netns as eth0, eth1,
  // ...; then inside that netns: lo up, the address, the link up with no IPv6 address (a lab's
  // networks are IPv4: no link-local address, so no DAD and no MLD flooded to the bridge's ports,
  // as docker does for IPv4-only networks since CVE-2024-32473), the default route. The
  // supervisor's thread never changes namespace: a short-lived thread opens the netlink socket in
  // the child's netns. A host end of the same name left by a previous run of this container (same
  // alias) is replaced, so a restart gets the same names and addresses. With `plan.enabled ==
  // false` only lo is brought up.
  static Result<ContainerLinks> attach(const plan::ContainerNetPlan& plan, std::string_view project,
                                       std::string_view container, pid_t pid);

  // Deletes the host ends still present (those whose namespace is gone, or that the lab's
  // LabNetwork::remove_links deleted, have vanished already: they cost no netlink request).
  Status remove();
  // The host ends' names: they vanish when the container's network namespace dies (the kernel
  // deletes a veth pair with the namespace of its other end, in the background and in batches) or
  // with LabNetwork::remove_links; see links_unlisted.
  const std::vector<std::string>& host_ends() const { return host_ends_; }
  // The container's network namespace, held from attach() when it has host ends: while it is
  // held, the pairs outlive the container's processes and go only with their host ends. The lab's
  // teardown takes every container's (take_namespace) and closes them once the one request that
  // deletes the bridges has deleted the pairs too; a run that ends otherwise lets its namespace go
  // (release_namespace) and the kernel deletes its pairs in the background, with the namespace.
  UniqueFd take_namespace() { return std::move(netns_); }
  void release_namespace() { netns_.reset(); }
  void release();

 private:
  std::string alias_;
  std::vector<std::string> host_ends_;
  UniqueFd netns_;
};

// Crash cleanup: deletes every link whose alias is "srcompose:<project>:..." (bridges, host veth
// ends) and the project's nftables table, and releases its hold on ip_forward. Root, host netns.
// Nothing of another project is touched. Also deletes the bridges named in `unlabelled_bridges`
// that carry no alias at all: the kernel ignores IFLA_IFALIAS on RTM_NEWLINK, so a new bridge is
// unlabelled until a second request, and a crash in between must not leave it (up records the
// names before it creates them).
Status cleanup_project(std::string_view project,
                       const std::vector<std::string>& unlabelled_bridges = {});

// /etc/resolv.conf for containers from the host's: nameservers on loopback (127.x, ::1) cannot be
// reached from a container's namespace and are dropped; when none remain, a comment saying so.
std::string host_resolv_conf();
// The same filter on given text (pure).
std::string filter_resolv_conf(std::string_view host_text);

}  // namespace srcompose::net
