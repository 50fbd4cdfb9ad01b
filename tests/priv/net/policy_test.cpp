// SPDX-License-Identifier: GPL-2.0-or-later
// The project's nftables policy on the real kernel: internal networks, isolation between projects,
// masquerading for nat networks. Traffic only goes to addresses the test created.
#include <doctest/doctest.h>
#include <sys/socket.h>

#include "net/network.hpp"
#include "net_test_support.hpp"
#include "plan/net.hpp"
#include "test_support.hpp"

using namespace srcompose;
using namespace srcompose::nettest;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A lab of one network with one container attached and running: the pieces a test needs.
struct RunningLab {
  LabBuilder builder;
  ProjectGuard guard;
  Result<net::LabNetwork> network = Error::message("not created");
  FakeContainer container;
  Result<net::ContainerLinks> links = Error::message("not attached");

  RunningLab(const std::string& project, const std::string& tag, uint32_t third, bool nat,
             bool internal)
      : builder(project), guard(project) {
    builder.network("lan", unique_name("snt", tag), third, nat, internal)
        .container("c", {"lan"}, 2);
    network = net::LabNetwork::create(plan::plan_lab_networks(builder.lab), project);
    INFO(why(network));
    REQUIRE(network.ok());
    links = net::ContainerLinks::attach(
        plan::plan_container_net(builder.lab, builder.lab.containers[0]), project, "c",
        container.pid());
    INFO(why(links));
    REQUIRE(links.ok());
  }
  spec::Ipv4 address() const { return builder.address("c"); }
  spec::Ipv4 gateway() const { return builder.gateway("lan"); }
  pid_t pid() const { return container.pid(); }
};

}  // namespace

// Writes a sysctl for the test and puts the old value back at scope exit.
class SysctlGuard {
 public:
  SysctlGuard(std::string path, const std::string& value)
      : path_(std::move(path)), saved_(test::read_file(path_)) {
    test::write_file(path_, value);
  }
  SysctlGuard(const SysctlGuard&) = delete;
  SysctlGuard& operator=(const SysctlGuard&) = delete;
  ~SysctlGuard() { test::write_file(path_, saved_); }

 private:
  std::string path_;
  std::string saved_;
};

TEST_CASE("an internal network reaches nothing of the host, only its own containers") {
  test::require_root();
  const std::string project = unique_name("nt", "i");
  ProjectGuard guard(project);
  LabBuilder builder(project);
  builder.network("lan", unique_name("snt", "i"), 20, false, true)
      .container("c", {"lan"}, 2)
      .container("d", {"lan"}, 3);
  auto network = net::LabNetwork::create(plan::plan_lab_networks(builder.lab), project);
  INFO(why(network));
  REQUIRE(network.ok());
  FakeContainer c, d;
  auto c_links = net::ContainerLinks::attach(
      plan::plan_container_net(builder.lab, builder.lab.containers[0]), project, "c", c.pid());
  INFO(why(c_links));
  REQUIRE(c_links.ok());
  auto d_links = net::ContainerLinks::attach(
      plan::plan_container_net(builder.lab, builder.lab.containers[1]), project, "d", d.pid());
  INFO(why(d_links));
  REQUIRE(d_links.ok());
  RunningLab open(unique_name("nt", "j"), "j", 21, false, false);
  const spec::Ipv4 gateway = builder.gateway("lan");

  // Host services: one on the gateway address, and one on every address as a published port of
  // another lab is (the port proxy's socket is a listener on the host like this one).
  auto gateway_listener = host_socket(SOCK_STREAM);
  bind_to(gateway_listener, gateway, 6001);
  auto published = host_socket(SOCK_STREAM);
  bind_to(published, ip(0, 0, 0, 0), 6002);
  auto loopback_listener = host_socket(SOCK_STREAM);
  bind_to(loopback_listener, ip(127, 0, 0, 1), 6003);

  // No default route; a container with NET_ADMIN could add routes by hand, towards the other
  // lab's bridge and towards the host's 127.0.0.1 (dropping its own loopback route). A host
  // with route_localnet = 1 (kube-proxy sets it) would accept 127.0.0.1 from the bridge.
  CHECK(ip_in(c.pid(), {"route", "show", "default"}).empty());
  ip_in(c.pid(), {"route", "add", text(open.gateway()) + "/32", "via", text(gateway)});
  ip_in(c.pid(), {"route", "del", "local", "127.0.0.1", "dev", "lo", "table", "local"});
  ip_in(c.pid(), {"route", "add", "127.0.0.1/32", "via", text(gateway)});
  SysctlGuard localnet("/proc/sys/net/ipv4/conf/" + unique_name("snt", "i") + "/route_localnet",
                       "1");

  const std::pair<spec::Ipv4, uint16_t> targets[] = {
      {gateway, 6001}, {gateway, 6002}, {open.gateway(), 6002}, {ip(127, 0, 0, 1), 6003}};
  for (const auto& [address, port] : targets) {
    CAPTURE(text(address));
    CAPTURE(port);
    auto attempt = socket_in(c.pid(), SOCK_STREAM);
    CHECK_FALSE(connect_within(attempt, address, port, 700ms));
  }
  CHECK_FALSE(accept_within(gateway_listener, 100ms).valid());
  CHECK_FALSE(accept_within(published, 100ms).valid());
  CHECK_FALSE(accept_within(loopback_listener, 100ms).valid());

  // Containers of the network still reach each other.
  auto d_listener = socket_in(d.pid(), SOCK_STREAM);
  bind_to(d_listener, builder.address("d"), 7000);
  auto neighbour = socket_in(c.pid(), SOCK_STREAM);
  CHECK(connect_within(neighbour, builder.address("d"), 7000, 2s));
  CHECK(accept_within(d_listener, 1s).valid());
  // The host reaches the containers (the replies come back in): a port proxy still works.
  auto from_host = host_socket(SOCK_STREAM);
  CHECK(connect_within(from_host, builder.address("d"), 7000, 2s));
  auto accepted = accept_within(d_listener, 1s);
  REQUIRE(accepted.valid());
  send_text(accepted, "reply");
  CHECK(read_within(from_host, 1s) == "reply");
  // A non-internal network still reaches the host's services: the drops above are the table's.
  auto control = socket_in(open.pid(), SOCK_STREAM);
  CHECK(connect_within(control, open.gateway(), 6002, 2s));
  CHECK(accept_within(published, 1s).valid());
}

TEST_CASE("two projects cannot reach each other even with forwarding on; nat masquerades") {
  test::require_root();
  ForwardingGuard forwarding;
  const std::string first_project = unique_name("nt", "p");
  RunningLab first(first_project, "p", 30, true, false);
  RunningLab second(unique_name("nt", "q"), "q", 31, true, false);

  // nat: forwarding on and a masquerade rule for the subnet in the project's table.
  CHECK(test::read_file("/proc/sys/net/ipv4/ip_forward") == "1\n");
  auto table =
      test::run_command({"nft", "list", "table", "inet", plan::nft_table_name(first_project)});
  REQUIRE(table.exit_code == 0);
  CHECK(contains(table.out, "ip saddr 10." + std::to_string(second_octet()) +
                                ".30.0/24 oifname != \"" + unique_name("snt", "p") +
                                "\" masquerade"));

  // Both containers route through their gateways, so only the tables stand between them.
  CHECK(contains(ip_in(first.pid(), {"route", "show", "default"}), text(first.gateway())));
  auto listener = socket_in(second.pid(), SOCK_STREAM);
  bind_to(listener, second.address(), 7000);
  auto probe = socket_in(first.pid(), SOCK_STREAM);
  CHECK_FALSE(connect_within(probe, second.address(), 7000, 700ms));
  CHECK_FALSE(accept_within(listener, 100ms).valid());
  // The other way round as well.
  auto back_listener = socket_in(first.pid(), SOCK_STREAM);
  bind_to(back_listener, first.address(), 7001);
  auto back_probe = socket_in(second.pid(), SOCK_STREAM);
  CHECK_FALSE(connect_within(back_probe, first.address(), 7001, 700ms));
  // The host still reaches both (host traffic is not forwarded).
  auto from_host = host_socket(SOCK_STREAM);
  CHECK(connect_within(from_host, second.address(), 7000, 2s));
  CHECK(accept_within(listener, 1s).valid());
}
