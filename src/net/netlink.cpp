// SPDX-License-Identifier: GPL-2.0-or-later
#include "net/netlink.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <array>
#include <cstring>

namespace srcompose::net {
namespace {

// Owners of libnl's reference-counted objects.
template <class T, void (*Put)(T*)>
struct Putter {
  void operator()(T* object) const {
    if (object != nullptr) Put(object);
  }
};
using LinkPtr = std::unique_ptr<rtnl_link, Putter<rtnl_link, rtnl_link_put>>;
using AddrPtr = std::unique_ptr<nl_addr, Putter<nl_addr, nl_addr_put>>;
using RtAddrPtr = std::unique_ptr<rtnl_addr, Putter<rtnl_addr, rtnl_addr_put>>;
using RoutePtr = std::unique_ptr<rtnl_route, Putter<rtnl_route, rtnl_route_put>>;
using CachePtr = std::unique_ptr<nl_cache, Putter<nl_cache, nl_cache_free>>;

// For libnl failures with no kernel errno behind them (allocation, parsing, local checks).
int errno_from_libnl(int code) {
  switch (code < 0 ? -code : code) {
    case NLE_INTR:
      return EINTR;
    case NLE_BAD_SOCK:
      return EBADF;
    case NLE_AGAIN:
      return EAGAIN;
    case NLE_NOMEM:
      return ENOMEM;
    case NLE_EXIST:
      return EEXIST;
    case NLE_INVAL:
      return EINVAL;
    case NLE_RANGE:
      return ERANGE;
    case NLE_MSGSIZE:
      return EMSGSIZE;
    case NLE_OPNOTSUPP:
      return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT:
      return EAFNOSUPPORT;
    case NLE_OBJ_NOTFOUND:
      return ENOENT;
    case NLE_NOADDR:
      return EADDRNOTAVAIL;
    case NLE_BUSY:
      return EBUSY;
    case NLE_PROTO_MISMATCH:
      return EPROTONOSUPPORT;
    case NLE_NOACCESS:
      return EACCES;
    case NLE_PERM:
      return EPERM;
    case NLE_NODEV:
      return ENODEV;
    default:
      return EIO;
  }
}

// Records the kernel's errno; NL_STOP keeps libnl's own handling (it then returns its NLE_* code).
int remember_kernel_errno(sockaddr_nl*, nlmsgerr* message, void* state) {
  *static_cast<int*>(state) = -message->error;
  return NL_STOP;
}

AddrPtr ipv4_addr(spec::Ipv4 address, uint8_t prefix_length) {
  uint32_t network_order = htonl(address.value);
  AddrPtr addr(nl_addr_build(AF_INET, &network_order, sizeof network_order));
  if (addr) nl_addr_set_prefixlen(addr.get(), prefix_length);
  return addr;
}

std::string ifname_of(int ifindex) {
  std::array<char, IF_NAMESIZE> name{};
  if (::if_indextoname(static_cast<unsigned>(ifindex), name.data()) == nullptr) {
    return "if" + std::to_string(ifindex);
  }
  return name.data();
}

LinkInfo link_info(rtnl_link* link) {
  LinkInfo info;
  info.ifindex = rtnl_link_get_ifindex(link);
  if (const char* name = rtnl_link_get_name(link)) info.name = name;
  if (const char* alias = rtnl_link_get_ifalias(link)) info.alias = alias;
  if (const char* kind = rtnl_link_get_type(link)) info.kind = kind;
  info.group = rtnl_link_get_group(link);
  return info;
}

// The route's destination and output device, or nullopt for routes that do not block a subnet.
std::optional<RouteInfo> route_info(rtnl_route* route) {
  uint8_t type = rtnl_route_get_type(route);
  if (type != RTN_UNICAST && type != RTN_BLACKHOLE && type != RTN_UNREACHABLE &&
      type != RTN_PROHIBIT) {
    return std::nullopt;
  }
  if (rtnl_route_get_table(route) == RT_TABLE_LOCAL) return std::nullopt;
  nl_addr* dst = rtnl_route_get_dst(route);
  if (dst == nullptr || nl_addr_get_prefixlen(dst) == 0) return std::nullopt;
  RouteInfo info;
  uint32_t network_order = 0;
  if (nl_addr_get_len(dst) == sizeof network_order) {
    std::memcpy(&network_order, nl_addr_get_binary_addr(dst), sizeof network_order);
  }
  info.destination.prefix_length = static_cast<uint8_t>(nl_addr_get_prefixlen(dst));
  info.destination.network.value = ntohl(network_order);
  info.table = rtnl_route_get_table(route);
  info.text = spec::to_string(info.destination);
  if (type != RTN_UNICAST)
    info.text = (type == RTN_BLACKHOLE ? "blackhole " : "unreachable ") + info.text;
  if (rtnl_route_get_nnexthops(route) == 1) {
    rtnl_nexthop* hop = rtnl_route_nexthop_n(route, 0);
    info.ifindex = rtnl_route_nh_get_ifindex(hop);
    if (info.ifindex > 0) info.text += " dev " + ifname_of(info.ifindex);
    if (nl_addr* via = rtnl_route_nh_get_gateway(hop)) {
      std::array<char, 64> text{};
      info.text += std::string(" via ") + nl_addr2str(via, text.data(), text.size());
    }
  }
  if (info.table != RT_TABLE_MAIN) info.text += " table " + std::to_string(info.table);
  return info;
}

// The link `name` as the kernel has it now (RTM_GETLINK).
Result<LinkPtr> kernel_link(const NetlinkSocket& socket, const std::string& name) {
  rtnl_link* raw = nullptr;
  socket.clear_kernel_error();
  int code = rtnl_link_get_kernel(socket.get(), 0, name.c_str(), &raw);
  LinkPtr link(raw);
  if (code < 0) return socket.error("RTM_GETLINK " + name, code);
  return link;
}

// RTM_NEWLINK changing the existing link `current` by the attributes `set(request)` puts on an
// empty request. `operation` names it in errors.
template <class Set>
Status change_link(const NetlinkSocket& socket, rtnl_link* current, Set set,
                   const std::string& operation) {
  LinkPtr change(rtnl_link_alloc());
  if (!change) return Error::from_errno("rtnl_link_alloc", ENOMEM);
  set(change.get());
  socket.clear_kernel_error();
  int code = rtnl_link_change(socket.get(), current, change.get(), 0);
  if (code < 0) return socket.error(operation, code);
  return {};
}

// Sets the alias of the link `name` that was just created, or deletes that link again: a link of
// ours without our alias would be refused as foreign by the next `up` and missed by crash cleanup.
// The kernel ignores IFLA_IFALIAS in a creating RTM_NEWLINK, hence this second request; a crash
// between the two is the one window left. With Ipv6Address::none the same request turns the link's
// IPv6 address generation off (refused in the creating request: the link has no IPv6 state yet).
Status label_new_link(const NetlinkSocket& socket, const std::string& name,
                      const std::string& alias, Ipv6Address ipv6) {
  auto current = kernel_link(socket, name);
  if (!current) return std::move(current).error();
  auto status = change_link(
      socket, current->get(),
      [&alias, ipv6](rtnl_link* change) {
        rtnl_link_set_ifalias(change, alias.c_str());
        if (ipv6 == Ipv6Address::none)
          rtnl_link_inet6_set_addr_gen_mode(change, IN6_ADDR_GEN_MODE_NONE);
      },
      "RTM_NEWLINK " + name + " alias " + alias);
  if (!status) {
    socket.clear_kernel_error();
    rtnl_link_delete(socket.get(), current->get());
  }
  return status;
}

}  // namespace

void NetlinkSocket::Deleter::operator()(nl_sock* socket) const {
  nl_socket_free(socket);
}

Result<NetlinkSocket> NetlinkSocket::open() {
  NetlinkSocket owner;
  owner.state_ = std::make_unique<State>();
  owner.socket_.reset(nl_socket_alloc());
  if (!owner.socket_) return Error::from_errno("nl_socket_alloc", ENOMEM);
  int code = nl_connect(owner.get(), NETLINK_ROUTE);
  if (code < 0)
    return Error::from_errno("socket(AF_NETLINK, NETLINK_ROUTE)", errno_from_libnl(code));
  // libnl asks for SOCK_CLOEXEC itself on current versions; make sure on all of them.
  int fd = nl_socket_get_fd(owner.get());
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) return Error::last_errno("fcntl(netlink, FD_CLOEXEC)");
  code = nl_socket_modify_err_cb(owner.get(), NL_CB_CUSTOM, remember_kernel_errno,
                                 &owner.state_->kernel_errno);
  if (code < 0) return Error::from_errno("nl_socket_modify_err_cb", errno_from_libnl(code));
  return owner;
}

Error NetlinkSocket::error(std::string operation, int libnl_code) const {
  int kernel_errno = state_->kernel_errno;
  state_->kernel_errno = 0;
  return Error::from_errno(std::move(operation),
                           kernel_errno > 0 ? kernel_errno : errno_from_libnl(libnl_code));
}

Result<std::vector<LinkInfo>> list_links(const NetlinkSocket& socket) {
  nl_cache* raw = nullptr;
  socket.clear_kernel_error();
  int code = rtnl_link_alloc_cache(socket.get(), AF_UNSPEC, &raw);
  if (code < 0) return socket.error("RTM_GETLINK dump", code);
  CachePtr cache(raw);
  std::vector<LinkInfo> links;
  for (nl_object* object = nl_cache_get_first(cache.get()); object != nullptr;
       object = nl_cache_get_next(object)) {
    links.push_back(link_info(reinterpret_cast<rtnl_link*>(object)));
  }
  return links;
}

Result<std::optional<LinkInfo>> find_link(const NetlinkSocket& socket, const std::string& name) {
  auto link = kernel_link(socket, name);
  if (!link) {
    const int error_number = link.error().error_number();
    if (error_number == ENODEV || error_number == ENOENT) return std::optional<LinkInfo>();
    return std::move(link).error();
  }
  return std::optional<LinkInfo>(link_info(link->get()));
}

Status delete_link(const NetlinkSocket& socket, int ifindex, const std::string& name) {
  LinkPtr link(rtnl_link_alloc());
  if (!link) return Error::from_errno("rtnl_link_alloc", ENOMEM);
  rtnl_link_set_ifindex(link.get(), ifindex);
  socket.clear_kernel_error();
  int code = rtnl_link_delete(socket.get(), link.get());
  if (code < 0) return socket.error("RTM_DELLINK " + name, code);
  return {};
}

Status delete_link_group(const NetlinkSocket& socket, uint32_t group) {
  const std::string operation = "RTM_DELLINK group " + std::to_string(group);
  // libnl's delete request names one link (index or name); the group form is built here.
  std::unique_ptr<nl_msg, decltype(&nlmsg_free)> message(nlmsg_alloc_simple(RTM_DELLINK, 0),
                                                         &nlmsg_free);
  if (!message) return Error::from_errno("nlmsg_alloc_simple", ENOMEM);
  ifinfomsg header{};
  header.ifi_family = AF_UNSPEC;
  if (nlmsg_append(message.get(), &header, sizeof header, NLMSG_ALIGNTO) < 0 ||
      nla_put_u32(message.get(), IFLA_GROUP, group) < 0) {
    return Error::from_errno(operation, EMSGSIZE);
  }
  socket.clear_kernel_error();
  int code = nl_send_sync(socket.get(), message.release());  // frees the message
  if (code < 0) return socket.error(operation, code);
  return {};
}

Status create_bridge(const NetlinkSocket& socket, const std::string& name, const std::string& alias,
                     uint32_t group) {
  LinkPtr link(rtnl_link_alloc());
  if (!link) return Error::from_errno("rtnl_link_alloc", ENOMEM);
  int code = rtnl_link_set_type(link.get(), "bridge");
  if (code < 0) return Error::from_errno("rtnl_link_set_type bridge", errno_from_libnl(code));
  rtnl_link_set_name(link.get(), name.c_str());
  rtnl_link_set_group(link.get(), group);
  socket.clear_kernel_error();
  code = rtnl_link_add(socket.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (code < 0) return socket.error("RTM_NEWLINK bridge " + name, code);
  return label_new_link(socket, name, alias, Ipv6Address::kernel_default);
}

Status create_veth(const NetlinkSocket& socket, const std::string& name, const std::string& alias,
                   uint32_t group, int master_ifindex, const std::string& peer_name,
                   int peer_netns_fd, const std::array<uint8_t, 6>& peer_mac, Ipv6Address ipv6) {
  // rtnl_link_veth_alloc links the pair; releasing the first releases both.
  struct VethDeleter {
    void operator()(rtnl_link* link) const { rtnl_link_veth_release(link); }
  };
  std::unique_ptr<rtnl_link, VethDeleter> link(rtnl_link_veth_alloc());
  if (!link) return Error::from_errno("rtnl_link_veth_alloc", ENOMEM);
  rtnl_link_set_name(link.get(), name.c_str());
  rtnl_link_set_master(link.get(), master_ifindex);
  rtnl_link_set_group(link.get(), group);
  LinkPtr peer(rtnl_link_veth_get_peer(link.get()));
  rtnl_link_set_name(peer.get(), peer_name.c_str());
  // One queue each way, asked for: without the counts veth allocates a queue per possible CPU and
  // then cuts them back to one (veth_init_queues), creating and removing their sysfs entries and
  // waiting, with the RTNL held, for an expedited RCU grace period (synchronize_net) per end. Every
  // other start's netlink work queued behind that wait: a fifth of `up` x200's network time.
  for (rtnl_link* end : {link.get(), peer.get()}) {
    rtnl_link_set_num_tx_queues(end, 1);
    rtnl_link_set_num_rx_queues(end, 1);
  }
  // The peer is born in the container's namespace: it never appears on the host under its name.
  rtnl_link_set_ns_fd(peer.get(), peer_netns_fd);
  std::unique_ptr<nl_addr, decltype(&nl_addr_put)> address(
      nl_addr_build(AF_LLC, peer_mac.data(), peer_mac.size()), &nl_addr_put);
  if (!address) return Error::from_errno("nl_addr_build", ENOMEM);
  rtnl_link_set_addr(peer.get(), address.get());
  socket.clear_kernel_error();
  int code = rtnl_link_add(socket.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (code < 0) return socket.error("RTM_NEWLINK veth " + name + " peer " + peer_name, code);
  return label_new_link(socket, name, alias, ipv6);
}

Status set_link_up(const NetlinkSocket& socket, const std::string& name, Ipv6Address ipv6) {
  auto current = kernel_link(socket, name);
  if (!current) return std::move(current).error();
  // Not in the same request: the kernel changes the flags before the address generation mode
  // (do_setlink), and whether the link-local address is made at IFF_UP or only at the carrier
  // event after it is the kernel's timing, not a promise.
  if (ipv6 == Ipv6Address::none) {
    auto status = change_link(
        socket, current->get(),
        [](rtnl_link* change) {
          rtnl_link_inet6_set_addr_gen_mode(change, IN6_ADDR_GEN_MODE_NONE);
        },
        "RTM_NEWLINK " + name + " addrgenmode none");
    if (!status) return status;
  }
  return change_link(
      socket, current->get(), [](rtnl_link* change) { rtnl_link_set_flags(change, IFF_UP); },
      "RTM_NEWLINK " + name + " up");
}

Status add_ipv4_address(const NetlinkSocket& socket, int ifindex, spec::Ipv4 address,
                        uint8_t prefix_length) {
  std::string text = spec::to_string(address) + "/" + std::to_string(prefix_length);
  RtAddrPtr request(rtnl_addr_alloc());
  AddrPtr local = ipv4_addr(address, prefix_length);
  if (!request || !local) return Error::from_errno("rtnl_addr_alloc", ENOMEM);
  rtnl_addr_set_ifindex(request.get(), ifindex);
  int code = rtnl_addr_set_local(request.get(), local.get());
  if (code < 0) return Error::from_errno("rtnl_addr_set_local " + text, errno_from_libnl(code));
  rtnl_addr_set_prefixlen(request.get(), prefix_length);
  socket.clear_kernel_error();
  code = rtnl_addr_add(socket.get(), request.get(), 0);
  if (code < 0)
    return socket.error("RTM_NEWADDR " + text + " dev " + std::to_string(ifindex), code);
  return {};
}

Status add_default_route(const NetlinkSocket& socket, spec::Ipv4 gateway, int ifindex) {
  std::string text = "default via " + spec::to_string(gateway);
  RoutePtr route(rtnl_route_alloc());
  AddrPtr any = ipv4_addr(spec::Ipv4{0}, 0);
  AddrPtr via = ipv4_addr(gateway, 32);
  rtnl_nexthop* hop = rtnl_route_nh_alloc();
  if (!route || !any || !via || hop == nullptr) {
    if (hop != nullptr) rtnl_route_nh_free(hop);
    return Error::from_errno("rtnl_route_alloc", ENOMEM);
  }
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  rtnl_route_set_dst(route.get(), any.get());
  rtnl_route_nh_set_gateway(hop, via.get());
  rtnl_route_nh_set_ifindex(hop, ifindex);
  rtnl_route_add_nexthop(route.get(), hop);  // the route owns it now
  socket.clear_kernel_error();
  int code = rtnl_route_add(socket.get(), route.get(), NLM_F_EXCL);
  if (code < 0) return socket.error("RTM_NEWROUTE " + text, code);
  return {};
}

Result<std::vector<RouteInfo>> list_ipv4_routes(const NetlinkSocket& socket) {
  nl_cache* raw = nullptr;
  socket.clear_kernel_error();
  int code = rtnl_route_alloc_cache(socket.get(), AF_INET, 0, &raw);
  if (code < 0) return socket.error("RTM_GETROUTE dump", code);
  CachePtr cache(raw);
  std::vector<RouteInfo> routes;
  for (nl_object* object = nl_cache_get_first(cache.get()); object != nullptr;
       object = nl_cache_get_next(object)) {
    if (auto info = route_info(reinterpret_cast<rtnl_route*>(object))) routes.push_back(*info);
  }
  return routes;
}

Result<std::vector<spec::Cidr>> list_ipv4_address_blocks(const NetlinkSocket& socket) {
  nl_cache* raw = nullptr;
  socket.clear_kernel_error();
  int code = rtnl_addr_alloc_cache(socket.get(), &raw);
  if (code < 0) return socket.error("RTM_GETADDR dump", code);
  CachePtr cache(raw);
  std::vector<spec::Cidr> blocks;
  for (nl_object* object = nl_cache_get_first(cache.get()); object != nullptr;
       object = nl_cache_get_next(object)) {
    auto* address = reinterpret_cast<rtnl_addr*>(object);
    nl_addr* local = rtnl_addr_get_local(address);
    uint32_t network_order = 0;
    if (rtnl_addr_get_family(address) != AF_INET || local == nullptr ||
        nl_addr_get_len(local) != sizeof network_order) {
      continue;
    }
    std::memcpy(&network_order, nl_addr_get_binary_addr(local), sizeof network_order);
    uint32_t value = ntohl(network_order);
    auto prefix = static_cast<uint8_t>(rtnl_addr_get_prefixlen(address));
    uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
    blocks.push_back(spec::Cidr{spec::Ipv4{value}, 32});
    if (prefix > 0 && prefix < 32) blocks.push_back(spec::Cidr{spec::Ipv4{value & mask}, prefix});
  }
  return blocks;
}

}  // namespace srcompose::net
