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

TEST_CASE("an internal network reaches its gateway but none of the host's other addresses") {
  test::require_root();
  // The host's "other address": on a veth pair the test creates.
  const std::string other_link = unique_name("ot", "i");
  ip_host({"link", "add", other_link, "type", "veth", "peer", "name", unique_name("otp", "i")});
  HostLinkGuard other_guard(other_link);
  const auto other_address = ip(10, second_octet(), 250, 1);
  ip_host({"addr", "add", text(other_address) + "/24", "dev", other_link});
  ip_host({"link", "set", other_link, "up"});
  auto other_listener = host_socket(SOCK_STREAM);
  bind_to(other_listener, other_address, 6000);

  RunningLab internal(unique_name("nt", "i"), "i", 20, false, true);
  RunningLab open(unique_name("nt", "j"), "j", 21, false, false);
  auto gateway_listener = host_socket(SOCK_STREAM);
  bind_to(gateway_listener, internal.gateway(), 6001);

  // internal: no default route; give it one by hand, as a container with NET_ADMIN could.
  CHECK(ip_in(internal.pid(), {"route", "show", "default"}).empty());
  ip_in(internal.pid(), {"route", "add", "10." + std::to_string(second_octet()) + ".250.0/24",
                         "via", text(internal.gateway())});
  ip_in(open.pid(), {"route", "replace", "10." + std::to_string(second_octet()) + ".250.0/24",
                     "via", text(open.gateway())});

  // The gateway answers.
  auto to_gateway = socket_in(internal.pid(), SOCK_STREAM);
  CHECK(connect_within(to_gateway, internal.gateway(), 6001, 2s));
  CHECK(accept_within(gateway_listener, 1s).valid());
  // The host's other address does not, from the internal network...
  auto to_other = socket_in(internal.pid(), SOCK_STREAM);
  CHECK_FALSE(connect_within(to_other, other_address, 6000, 700ms));
  CHECK_FALSE(accept_within(other_listener, 100ms).valid());
  // ...while it does from a non-internal one: the drop above is the table's doing.
  auto control = socket_in(open.pid(), SOCK_STREAM);
  CHECK(connect_within(control, other_address, 6000, 2s));
  CHECK(accept_within(other_listener, 1s).valid());

  auto table = test::run_command(
      {"nft", "list", "table", "inet", plan::nft_table_name(unique_name("nt", "i"))});
  CHECK(contains(table.out, "ip daddr != " + text(internal.gateway()) + " drop"));
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
