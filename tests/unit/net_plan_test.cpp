// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "plan/net.hpp"
#include "spec/values.hpp"

namespace spec = srcompose::spec;
namespace plan = srcompose::plan;

namespace {

spec::Ipv4 ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return spec::Ipv4{(a << 24) | (b << 16) | (c << 8) | d};
}

spec::Network network(std::string name, spec::Ipv4 subnet, uint8_t prefix,
                      std::string bridge = "") {
  spec::Network net;
  net.name = std::move(name);
  net.subnet = spec::Cidr{subnet, prefix};
  net.gateway = spec::Ipv4{subnet.value + 1};
  net.bridge = std::move(bridge);
  return net;
}

spec::Container container(std::string name, std::vector<spec::NetworkAttachment> networks) {
  spec::Container c;
  c.name = std::move(name);
  c.hostname = c.name;
  c.networks = std::move(networks);
  return c;
}

// web on front+back, db on back, tool on front, lonely with network_mode none.
spec::Lab sample_lab() {
  spec::Lab lab;
  lab.name = "lab1";
  lab.networks.push_back(network("front", ip(10, 1, 0, 0), 24, "srfront"));
  // The loader names a network's bridge when the file does not.
  lab.networks.push_back(
      network("back", ip(10, 2, 0, 0), 16, spec::default_bridge_name("lab1", "back")));
  lab.networks.back().internal = true;
  lab.networks.front().nat = true;
  lab.containers.push_back(
      container("web", {{"front", ip(10, 1, 0, 2), false}, {"back", ip(10, 2, 0, 2), false}}));
  lab.containers.back().hostname = "www";
  lab.containers.push_back(container("db", {{"back", ip(10, 2, 0, 3), true}}));
  lab.containers.push_back(container("tool", {{"front", ip(10, 1, 0, 3), false}}));
  lab.containers.push_back(container("lonely", {}));
  lab.containers.back().network_mode = spec::NetworkMode::none;
  return lab;
}

}  // namespace

TEST_CASE("lab networks: bridges in file order, named or derived, one nft table per project") {
  auto lab = sample_lab();
  auto planned = plan::plan_lab_networks(lab);
  CHECK(planned.nft_table == "srcompose_lab1");
  REQUIRE(planned.bridges.size() == 2);
  CHECK(planned.bridges[0].network == "front");
  CHECK(planned.bridges[0].bridge == "srfront");
  CHECK(planned.bridges[0].nat);
  CHECK_FALSE(planned.bridges[0].internal);
  CHECK(planned.bridges[0].gateway == ip(10, 1, 0, 1));
  CHECK(planned.bridges[1].network == "back");
  CHECK(planned.bridges[1].bridge == spec::default_bridge_name("lab1", "back"));
  CHECK(planned.bridges[1].internal);
  CHECK(planned.bridges[1].subnet == spec::Cidr{ip(10, 2, 0, 0), 16});
}

TEST_CASE("derived host names fit IFNAMSIZ, are stable and differ per input") {
  auto veth = plan::host_veth_name("lab1", "web", 0);
  CHECK(veth.size() == 15);
  CHECK(veth.starts_with("sv-"));
  CHECK(veth == plan::host_veth_name("lab1", "web", 0));
  CHECK(veth != plan::host_veth_name("lab1", "web", 1));
  CHECK(veth != plan::host_veth_name("lab2", "web", 0));
  CHECK(plan::host_veth_name("ab", "c", 0) != plan::host_veth_name("a", "bc", 0));
  auto bridge = spec::default_bridge_name("lab1", "back");
  CHECK(bridge.size() == 15);
  CHECK(bridge.starts_with("sc-"));
  CHECK(bridge != spec::default_bridge_name("lab1", "front"));
  // Names are part of the on-host contract (a later run recomputes them): pin them. The bridge
  // default is the loader's (FNV-1a of project, NUL, network).
  CHECK(plan::host_veth_name("p", "c", 0) == "sv-95af7120dc4e");
  CHECK(plan::to_string(plan::container_mac("p", "c", "n")) == "02:97:09:c9:91:6c");
  CHECK(spec::default_bridge_name("lab1", "back") == "sc-ae33b84b8e1a");
  CHECK(plan::nft_table_name("my-lab_2") == "srcompose_my-lab_2");
  CHECK(plan::nft_table_name("a b\"c") == "srcompose_a_b_c");
}

TEST_CASE("container interfaces: eth0, eth1 in the container's network order, prefix from subnet") {
  auto lab = sample_lab();
  auto web = plan::plan_container_net(lab, lab.containers[0]);
  CHECK(web.enabled);
  REQUIRE(web.interfaces.size() == 2);
  CHECK(web.interfaces[0].container_ifname == "eth0");
  CHECK(web.interfaces[0].network == "front");
  CHECK(web.interfaces[0].bridge == "srfront");
  CHECK(web.interfaces[0].address == ip(10, 1, 0, 2));
  CHECK(web.interfaces[0].prefix_length == 24);
  CHECK(web.interfaces[0].gateway == ip(10, 1, 0, 1));
  CHECK(web.interfaces[0].host_ifname == plan::host_veth_name("lab1", "web", 0));
  CHECK(web.interfaces[1].container_ifname == "eth1");
  CHECK(web.interfaces[1].network == "back");
  CHECK(web.interfaces[1].prefix_length == 16);
  CHECK(web.interfaces[1].host_ifname == plan::host_veth_name("lab1", "web", 1));
  REQUIRE(web.default_gateway.has_value());
  CHECK(*web.default_gateway == ip(10, 1, 0, 1));
}

TEST_CASE("default gateway: the first non-internal network's, none when all internal or none") {
  auto lab = sample_lab();
  // web lists the internal network first: the gateway still comes from the non-internal one.
  std::swap(lab.containers[0].networks[0], lab.containers[0].networks[1]);
  auto web = plan::plan_container_net(lab, lab.containers[0]);
  REQUIRE(web.default_gateway.has_value());
  CHECK(*web.default_gateway == ip(10, 1, 0, 1));
  CHECK(web.interfaces[0].network == "back");
  CHECK(web.interfaces[0].container_ifname == "eth0");

  auto db = plan::plan_container_net(lab, lab.containers[1]);
  CHECK_FALSE(db.default_gateway.has_value());
  REQUIRE(db.interfaces.size() == 1);

  auto lonely = plan::plan_container_net(lab, lab.containers[3]);
  CHECK_FALSE(lonely.enabled);
  CHECK(lonely.interfaces.empty());
  CHECK_FALSE(lonely.default_gateway.has_value());
}

TEST_CASE("hosts file: localhost, itself, then containers sharing a network, in file order") {
  auto lab = sample_lab();
  const plan::HostsTable hosts = plan::plan_hosts_table(lab);
  CHECK(plan::hosts_file(hosts, "web") ==
        "127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n"
        "10.1.0.2\tweb www\n"
        "10.2.0.2\tweb www\n"
        "10.2.0.3\tdb\n"
        "10.1.0.3\ttool\n");
  // db shares only "back" with web, nothing with tool.
  CHECK(plan::hosts_file(hosts, "db") ==
        "127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n"
        "10.2.0.3\tdb\n"
        "10.2.0.2\tweb www\n");
  CHECK(plan::hosts_file(hosts, lab.containers[3].name) ==
        "127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n");
  // Same lab, same text: planning is deterministic.
  CHECK(plan::hosts_file(plan::plan_hosts_table(lab), "web") == plan::hosts_file(hosts, "web"));
}

TEST_CASE("resolv.conf from dns, empty (host's copied at start) otherwise; ports carried") {
  auto lab = sample_lab();
  lab.containers[0].dns = {"1.1.1.1", "9.9.9.9"};
  spec::PortMapping port;
  port.host_ip = ip(127, 0, 0, 1);
  port.host_port = 8080;
  port.container_port = 80;
  lab.containers[0].ports = {port};
  auto web = plan::plan_container_net(lab, lab.containers[0]);
  CHECK(web.resolv_conf == "nameserver 1.1.1.1\nnameserver 9.9.9.9\n");
  REQUIRE(web.ports.size() == 1);
  CHECK(web.ports[0].host_port == 8080);
  CHECK(plan::plan_container_net(lab, lab.containers[1]).resolv_conf.empty());
}
