// SPDX-License-Identifier: GPL-2.0-or-later
// Bridges and veth pairs on the real kernel: creation, what a container sees, reachability,
// refusals, teardown and crash cleanup.
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <thread>

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

std::string sysctl(const std::string& key) {
  auto value = test::read_file("/proc/sys/" + key);
  while (!value.empty() && value.back() == '\n')
    value.pop_back();
  return value;
}

// Nothing of `project` is left: no link with its alias or these names, no table.
void check_nothing_left(const std::string& project, const std::vector<std::string>& names) {
  auto links = host_links();
  CHECK_FALSE(contains(links, "srcompose:" + project + ":"));
  for (const auto& name : names)
    CHECK_FALSE(contains(links, " " + name + ":"));
  for (const auto& name : names)
    CHECK_FALSE(contains(links, " " + name + "@"));
  CHECK_FALSE(contains(nft_tables(), plan::nft_table_name(project)));
}

}  // namespace

TEST_CASE(
    "two containers on one network talk over TCP, the host reaches them, down leaves nothing") {
  test::require_root();
  const std::string project = unique_name("nt", "a");
  ProjectGuard guard(project);
  LabBuilder lab(project);
  lab.network("lan", unique_name("snt", "a"), 1)
      .container("one", {"lan"}, 2)
      .container("two", {"lan"}, 3);
  auto lab_plan = plan::plan_lab_networks(lab.lab);
  auto plan_one = plan::plan_container_net(lab.lab, lab.lab.containers[0]);
  auto plan_two = plan::plan_container_net(lab.lab, lab.lab.containers[1]);
  const std::string bridge = lab_plan.bridges[0].bridge;

  auto network = net::LabNetwork::create(lab_plan, project);
  INFO(why(network));
  REQUIRE(network.ok());
  FakeContainer one, two;
  auto links_one = net::ContainerLinks::attach(plan_one, project, "one", one.pid());
  INFO(why(links_one));
  REQUIRE(links_one.ok());
  auto links_two = net::ContainerLinks::attach(plan_two, project, "two", two.pid());
  INFO(why(links_two));
  REQUIRE(links_two.ok());

  // The host side: bridge with alias and gateway, host ends enslaved; IPv6 off on the bridge and no
  // IPv6 address on either end of a veth (the networks are IPv4; network.cpp says why).
  auto bridge_link = ip_host({"-d", "-o", "link", "show", "dev", bridge});
  CHECK(contains(bridge_link, "alias srcompose:" + project + ":lan"));
  CHECK(contains(bridge_link, "bridge"));
  CHECK(contains(ip_host({"-o", "addr", "show", "dev", bridge}), text(lab.gateway("lan")) + "/24"));
  const std::string host_end = plan_one.interfaces[0].host_ifname;
  auto host_end_link = ip_host({"-o", "link", "show", "dev", host_end});
  CHECK(contains(host_end_link, "master " + bridge));
  CHECK(contains(host_end_link, "alias srcompose:" + project + ":one"));
  CHECK(contains(host_end_link, "state UP"));
  CHECK(sysctl("net/ipv6/conf/" + bridge + "/disable_ipv6") == "1");
  // One queue each way on both ends, asked at creation (net/netlink.cpp's create_veth says why):
  // without it veth makes one per possible CPU, two on the 2-core development machine.
  CHECK(contains(ip_host({"-d", "-o", "link", "show", "dev", host_end}),
                 "numtxqueues 1 numrxqueues 1"));
  CHECK(contains(ip_in(one.pid(), {"-d", "-o", "link", "show", "dev", "eth0"}),
                 "numtxqueues 1 numrxqueues 1"));

  // The container side: lo and eth0 up, the address, the default route through the gateway.
  CHECK(contains(ip_in(one.pid(), {"-o", "link", "show", "dev", "lo"}), "UP"));
  CHECK(contains(ip_in(one.pid(), {"-o", "addr", "show", "dev", "eth0"}),
                 text(lab.address("one")) + "/24"));
  CHECK(contains(ip_in(one.pid(), {"-o", "link", "show", "dev", "eth0"}), "state UP"));
  // No IPv6 address on either end, checked once both are "state UP": the kernel makes a link-local
  // address as it marks the link's operational state up (addrconf on NETDEV_CHANGE), so one would
  // be listed by now.
  CHECK(contains(ip_host({"-d", "-o", "link", "show", "dev", host_end}), "addrgenmode none"));
  CHECK(
      contains(ip_in(one.pid(), {"-d", "-o", "link", "show", "dev", "eth0"}), "addrgenmode none"));
  for (const auto& dev : {bridge, host_end})
    CHECK(ip_host({"-6", "-o", "addr", "show", "dev", dev}).empty());
  CHECK(ip_in(one.pid(), {"-6", "-o", "addr", "show", "dev", "eth0"}).empty());
  // lo keeps ::1: only the IPv4 network's interfaces go without IPv6.
  CHECK(contains(ip_in(one.pid(), {"-6", "-o", "addr", "show", "dev", "lo"}), "::1/128"));
  CHECK(contains(ip_in(one.pid(), {"route", "show", "default"}),
                 "default via " + text(lab.gateway("lan")) + " dev eth0"));

  // Container two connects to container one by address; data flows both ways.
  auto listener = socket_in(one.pid(), SOCK_STREAM);
  bind_to(listener, lab.address("one"), 5000);
  auto client = socket_in(two.pid(), SOCK_STREAM);
  REQUIRE(connect_within(client, lab.address("one"), 5000, 2s));
  auto server = accept_within(listener, 2s);
  REQUIRE(server.valid());
  send_text(client, "hello from two");
  CHECK(read_within(server, 2s) == "hello from two");
  send_text(server, "hello from one");
  CHECK(read_within(client, 2s) == "hello from one");

  // The host reaches a container's address.
  auto from_host = host_socket(SOCK_STREAM);
  REQUIRE(connect_within(from_host, lab.address("one"), 5000, 2s));
  REQUIRE(accept_within(listener, 2s).valid());

  // Teardown through the owners.
  CHECK(links_one->remove().ok());
  CHECK(links_two->remove().ok());
  auto removed = network->remove();
  INFO(why(removed));
  CHECK(removed.ok());
  check_nothing_left(project, {bridge, host_end, plan_two.interfaces[0].host_ifname});
}

TEST_CASE("a restarted container gets the same names and address; none-mode gets only lo") {
  test::require_root();
  const std::string project = unique_name("nt", "r");
  ProjectGuard guard(project);
  LabBuilder lab(project);
  lab.network("lan", unique_name("snt", "r"), 6).container("web", {"lan"}, 9);
  lab.container("alone", {}, 0);
  lab.lab.containers.back().network_mode = spec::NetworkMode::none;
  auto network = net::LabNetwork::create(plan::plan_lab_networks(lab.lab), project);
  REQUIRE(network.ok());
  auto web_plan = plan::plan_container_net(lab.lab, lab.lab.containers[0]);
  const std::string host_end = web_plan.interfaces[0].host_ifname;
  {
    FakeContainer first;
    auto links = net::ContainerLinks::attach(web_plan, project, "web", first.pid());
    REQUIRE(links.ok());
    // A crashed supervisor would not delete the host end: keep it, as a crash would.
    links->release();
  }
  // The old namespace died; its veth may still be on its way out: attach must cope either way.
  FakeContainer second;
  auto again = net::ContainerLinks::attach(web_plan, project, "web", second.pid());
  INFO(why(again));
  REQUIRE(again.ok());
  CHECK(contains(ip_in(second.pid(), {"-o", "addr", "show", "dev", "eth0"}),
                 text(lab.address("web")) + "/24"));
  CHECK(contains(ip_host({"-o", "link", "show", "dev", host_end}),
                 "master " + lab.lab.networks[0].bridge));

  // A host end of that name that is not ours is refused, not deleted.
  CHECK(again->remove().ok());
  FakeContainer third;
  ip_host({"link", "add", host_end, "type", "veth", "peer", "name", unique_name("ntp", "r")});
  HostLinkGuard foreign(host_end);
  auto refused = net::ContainerLinks::attach(web_plan, project, "web", third.pid());
  REQUIRE_FALSE(refused.ok());
  CHECK(contains(refused.error().to_string(), "not created by srcompose"));
  CHECK(contains(host_links(), " " + host_end + "@"));

  // network_mode = none: lo up and nothing else.
  auto alone_plan = plan::plan_container_net(lab.lab, lab.lab.containers[1]);
  FakeContainer alone;
  auto alone_links = net::ContainerLinks::attach(alone_plan, project, "alone", alone.pid());
  REQUIRE(alone_links.ok());
  auto inside = ip_in(alone.pid(), {"-o", "link"});
  CHECK(contains(inside, "lo: <LOOPBACK,UP"));
  CHECK_FALSE(contains(inside, "eth0"));
}

// The lab's teardown holds each container's network namespace so that the pairs go in its one
// request with the bridges (supervisor/lab_supervisor.hpp, held_namespaces_).
TEST_CASE("a held namespace keeps its pair after the container ends; let go, the pair goes too") {
  test::require_root();
  const std::string project = unique_name("nt", "h");
  ProjectGuard guard(project);
  LabBuilder lab(project);
  lab.network("lan", unique_name("snt", "h"), 7).container("kept", {"lan"}, 2);
  lab.container("let", {"lan"}, 3);
  auto network = net::LabNetwork::create(plan::plan_lab_networks(lab.lab), project);
  REQUIRE(network.ok());
  auto kept_plan = plan::plan_container_net(lab.lab, lab.lab.containers[0]);
  auto let_plan = plan::plan_container_net(lab.lab, lab.lab.containers[1]);
  const std::string kept_end = kept_plan.interfaces[0].host_ifname;
  const std::string let_end = let_plan.interfaces[0].host_ifname;

  FakeContainer kept, let;
  auto kept_links = net::ContainerLinks::attach(kept_plan, project, "kept", kept.pid());
  REQUIRE(kept_links.ok());
  auto let_links = net::ContainerLinks::attach(let_plan, project, "let", let.pid());
  REQUIRE(let_links.ok());
  UniqueFd held = kept_links->take_namespace();
  REQUIRE(held.valid());
  CHECK_FALSE(kept_links->take_namespace().valid());  // taken once
  let_links->release_namespace();

  kept.stop();
  let.stop();
  // Let go, the namespace dies with its process and the kernel deletes the pair in the background.
  bool let_gone = false;
  for (int waited = 0; waited < 200 && !let_gone; ++waited) {
    let_gone = !contains(host_links(), " " + let_end + "@");
    if (!let_gone) std::this_thread::sleep_for(10ms);
  }
  CHECK(let_gone);
  // Held, the pair outlives its process: still there well after the other one went.
  std::this_thread::sleep_for(200ms);
  CHECK(contains(host_links(), " " + kept_end + "@"));
  // The lab's one request deletes it with the bridge.
  auto removed = network->remove();
  INFO(why(removed));
  CHECK(removed.ok());
  check_nothing_left(project, {kept_end, let_end});
}

TEST_CASE("a bridge of that name not created by srcompose is refused and left alone") {
  test::require_root();
  const std::string project = unique_name("nt", "f");
  ProjectGuard guard(project);
  const std::string name = unique_name("sf", "f");
  ip_host({"link", "add", "name", name, "type", "bridge"});
  HostLinkGuard foreign(name);
  LabBuilder lab(project);
  lab.network("lan", name, 7);
  auto network = net::LabNetwork::create(plan::plan_lab_networks(lab.lab), project);
  REQUIRE_FALSE(network.ok());
  CHECK(contains(network.error().to_string(),
                 "a link named " + name + " exists and was not created by srcompose"));
  CHECK(contains(host_links(), " " + name + ":"));
  CHECK_FALSE(contains(nft_tables(), plan::nft_table_name(project)));

  // Another project's bridge is not ours either, alias or not.
  ip_host({"link", "set", "dev", name, "alias", "srcompose:someoneelse:lan"});
  auto again = net::LabNetwork::create(plan::plan_lab_networks(lab.lab), project);
  REQUIRE_FALSE(again.ok());
  CHECK(contains(again.error().to_string(), "alias 'srcompose:someoneelse:lan'"));
  CHECK(contains(host_links(), " " + name + ":"));
}

TEST_CASE("a subnet overlapping a route of the host is refused, naming the route") {
  test::require_root();
  const std::string project = unique_name("nt", "o");
  ProjectGuard guard(project);
  const std::string veth = unique_name("ov", "o");
  ip_host({"link", "add", veth, "type", "veth", "peer", "name", unique_name("ovp", "o")});
  HostLinkGuard cleanup(veth);
  const std::string route = "10." + std::to_string(second_octet()) + ".200.0/22";
  ip_host({"addr", "add", "10." + std::to_string(second_octet()) + ".200.1/22", "dev", veth});
  ip_host({"link", "set", veth, "up"});
  LabBuilder lab(project);
  lab.network("ok", unique_name("snt", "o1"), 8).network("clash", unique_name("snt", "o2"), 201);
  auto network = net::LabNetwork::create(plan::plan_lab_networks(lab.lab), project);
  REQUIRE_FALSE(network.ok());
  auto message = network.error().to_string();
  CHECK(contains(message, "network clash: subnet 10." + std::to_string(second_octet()) +
                              ".201.0/24 overlaps the host's route " + route + " dev " + veth));
  // Checked before anything was created.
  CHECK_FALSE(contains(host_links(), "srcompose:" + project + ":"));
}

TEST_CASE("crash cleanup removes the project's bridges, veths and table, and nothing else") {
  test::require_root();
  const std::string project = unique_name("nt", "c");
  const std::string other = unique_name("nt", "d");
  ProjectGuard guard(project), other_guard(other);
  LabBuilder lab(project);
  lab.network("lan", unique_name("snt", "c"), 10).container("web", {"lan"}, 2);
  LabBuilder other_lab(other);
  other_lab.network("lan", unique_name("snt", "d"), 11);
  auto other_network = net::LabNetwork::create(plan::plan_lab_networks(other_lab.lab), other);
  REQUIRE(other_network.ok());

  auto lab_plan = plan::plan_lab_networks(lab.lab);
  auto web_plan = plan::plan_container_net(lab.lab, lab.lab.containers[0]);
  FakeContainer web;
  {
    auto network = net::LabNetwork::create(lab_plan, project);
    REQUIRE(network.ok());
    auto links = net::ContainerLinks::attach(web_plan, project, "web", web.pid());
    REQUIRE(links.ok());
    // The supervisor "crashes": owners give up without removing anything.
    links->release();
    network->release();
  }
  REQUIRE(contains(host_links(), "srcompose:" + project + ":lan"));
  REQUIRE(contains(host_links(), "srcompose:" + project + ":web"));
  REQUIRE(contains(nft_tables(), plan::nft_table_name(project)));

  auto cleaned = net::cleanup_project(project);
  INFO(why(cleaned));
  CHECK(cleaned.ok());
  check_nothing_left(project, {lab_plan.bridges[0].bridge, web_plan.interfaces[0].host_ifname});
  // The other project is untouched.
  CHECK(contains(host_links(), "srcompose:" + other + ":lan"));
  CHECK(contains(nft_tables(), plan::nft_table_name(other)));
  CHECK(other_network->remove().ok());
  check_nothing_left(other, {other_lab.lab.networks[0].bridge});
  // Cleaning up a project with nothing left is not an error.
  CHECK(net::cleanup_project(project).ok());
}

TEST_CASE("a table left by a crashed lab is replaced whole when the lab's network is made") {
  test::require_root();
  const std::string project = unique_name("nt", "t");
  ProjectGuard guard(project);
  const std::string table = plan::nft_table_name(project);
  // The leftover: the lab's table with a chain the lab never makes.
  auto made = test::run_command(
      {"nft", "add table inet " + table + "; add chain inet " + table + " leftover_chain"});
  REQUIRE(made.exit_code == 0);
  LabBuilder lab(project);
  lab.network("lan", unique_name("snt", "t"), 12);
  auto lab_plan = plan::plan_lab_networks(lab.lab);
  auto network = net::LabNetwork::create(lab_plan, project);
  INFO(why(network));
  REQUIRE(network.ok());
  auto listed = test::run_command({"nft", "list", "table", "inet", table});
  REQUIRE(listed.exit_code == 0);
  CHECK_FALSE(contains(listed.out, "leftover_chain"));
  CHECK(contains(listed.out, "chain forward"));
  CHECK(contains(listed.out, lab_plan.bridges[0].bridge));
  CHECK(network->remove().ok());
  check_nothing_left(project, {lab_plan.bridges[0].bridge});
}
