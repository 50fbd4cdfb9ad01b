// SPDX-License-Identifier: GPL-2.0-or-later
// Route netlink (libnl-route-3) for the net module: one socket owner and the few link, address and
// route operations srcompose needs. Every failure is an Error naming the operation and carrying the
// kernel's own errno (taken from its NLMSG_ERROR, not libnl's lossy NLE_* code).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "spec/lab.hpp"

struct nl_sock;

namespace srcompose::net {

// Owner of one NETLINK_ROUTE socket (O_CLOEXEC). A netlink socket talks to the network namespace it
// was created in, whichever namespace the thread using it is in later.
class NetlinkSocket {
 public:
  // Opens a socket in the calling thread's network namespace.
  static Result<NetlinkSocket> open();

  nl_sock* get() const { return socket_.get(); }
  // Before a request: forget the errno of an earlier one.
  void clear_kernel_error() const { state_->kernel_errno = 0; }
  // The Error for a failed request that returned `libnl_code` (< 0): the kernel's errno when the
  // kernel answered NLMSG_ERROR, else libnl's code mapped to the nearest errno.
  Error error(std::string operation, int libnl_code) const;

 private:
  struct Deleter {
    void operator()(nl_sock* socket) const;
  };
  // Heap-held so the libnl error callback's pointer survives moves of the owner.
  struct State {
    int kernel_errno = 0;
  };
  std::unique_ptr<nl_sock, Deleter> socket_;
  std::unique_ptr<State> state_;
};

struct LinkInfo {
  int ifindex = 0;
  std::string name;
  std::string alias;   // IFLA_IFALIAS, "" when none
  std::string kind;    // "bridge", "veth", ... ("" for kinds without IFLA_INFO_KIND)
  uint32_t group = 0;  // IFLA_GROUP, 0 = the default group
};

struct RouteInfo {
  spec::Cidr destination;
  int ifindex = 0;     // 0 when the route has no single output device
  uint32_t table = 0;  // RT_TABLE_MAIN = 254
  std::string text;    // "10.0.0.0/16 dev eth0 via 10.0.0.1", for messages
};

// All links of the socket's namespace.
Result<std::vector<LinkInfo>> list_links(const NetlinkSocket& socket);
// The link named `name`, nullopt when there is none.
Result<std::optional<LinkInfo>> find_link(const NetlinkSocket& socket, const std::string& name);
// RTM_DELLINK by index. ENODEV when it vanished meanwhile.
Status delete_link(const NetlinkSocket& socket, int ifindex, const std::string& name);
// RTM_DELLINK of every link in netdev group `group` (not 0): the kernel unregisters them in one
// batch (rtnl_group_dellink), so they leave the list together and the RCU waits of a deletion are
// paid once for all. A veth's peer goes with it. ENODEV when no link is in the group.
Status delete_link_group(const NetlinkSocket& socket, uint32_t group);
// A new bridge, down, labelled with `alias`, in netdev group `group` (NLM_F_EXCL: EEXIST when
// taken). If the alias cannot be set the bridge is deleted again.
Status create_bridge(const NetlinkSocket& socket, const std::string& name, const std::string& alias,
                     uint32_t group);
// Whether a link makes IPv6 addresses of its own as the kernel does by default (a link-local one
// when it comes up) or none (IN6_ADDR_GEN_MODE_NONE: no address, so no duplicate address detection
// and no MLD reports). `none` needs a kernel with IPv6 (net/sysctl.hpp's kernel_has_ipv6).
enum class Ipv6Address { kernel_default, none };

// A new veth pair: `name` (down, `alias`, in netdev group `group`, enslaved to `master_ifindex`,
// its IPv6 addresses as `ipv6` says) in the socket's namespace and `peer_name` created directly in
// the namespace `peer_netns_fd` refers to. `peer_mac` is the peer's hardware address.
Status create_veth(const NetlinkSocket& socket, const std::string& name, const std::string& alias,
                   uint32_t group, int master_ifindex, const std::string& peer_name,
                   int peer_netns_fd, const std::array<uint8_t, 6>& peer_mac, Ipv6Address ipv6);
// IFF_UP on the link named `name`. With Ipv6Address::none (the link must be down) its IPv6 address
// generation is turned off first, in a request of its own.
Status set_link_up(const NetlinkSocket& socket, const std::string& name,
                   Ipv6Address ipv6 = Ipv6Address::kernel_default);
Status add_ipv4_address(const NetlinkSocket& socket, int ifindex, spec::Ipv4 address,
                        uint8_t prefix_length);
// 0.0.0.0/0 via `gateway` dev `ifindex` in the main table.
Status add_default_route(const NetlinkSocket& socket, spec::Ipv4 gateway, int ifindex);
// IPv4 unicast/blackhole/unreachable/prohibit routes of every table but `local`, default routes
// left out: the routes a new subnet must not overlap.
Result<std::vector<RouteInfo>> list_ipv4_routes(const NetlinkSocket& socket);
// The IPv4 addresses of every link, each as its subnet (address/prefix, host bits cleared) and as
// itself (/32): what a new subnet must not hold even where no route says so (noprefixroute, /32).
Result<std::vector<spec::Cidr>> list_ipv4_address_blocks(const NetlinkSocket& socket);

}  // namespace srcompose::net
