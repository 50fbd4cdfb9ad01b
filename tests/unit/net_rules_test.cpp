// SPDX-License-Identifier: GPL-2.0-or-later
// The pure parts of the net module: the nft script and the resolv.conf filter.
#include <doctest/doctest.h>

#include "net/netlink.hpp"
#include "net/network.hpp"
#include "net/nftables.hpp"
#include "spec/values.hpp"

namespace spec = srcompose::spec;
namespace plan = srcompose::plan;
namespace net = srcompose::net;

namespace {

plan::BridgePlan bridge(std::string network, std::string name, uint32_t third_octet, bool nat,
                        bool internal) {
  uint32_t base = (10U << 24) | (9U << 16) | (third_octet << 8);
  return plan::BridgePlan{.network = std::move(network),
                          .bridge = std::move(name),
                          .subnet = spec::Cidr{spec::Ipv4{base}, 24},
                          .gateway = spec::Ipv4{base + 1},
                          .nat = nat,
                          .internal = internal};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("ruleset: one inet table replaced atomically, isolation, nat and internal rules") {
  plan::LabNetPlan lab;
  lab.nft_table = "srcompose_demo";
  lab.bridges.push_back(bridge("front", "br-front", 1, true, false));
  lab.bridges.push_back(bridge("back", "br-back", 2, false, true));
  auto script = net::lab_ruleset(lab);
  REQUIRE(script.ok());
  const std::string& text = script->fresh;
  CHECK(text.starts_with("create table inet srcompose_demo\ntable inet srcompose_demo {\n"));
  // The same table, replacing a leftover.
  CHECK(script->replacing == "add table inet srcompose_demo\ndelete table inet srcompose_demo\n" +
                                 text.substr(text.find('\n') + 1));
  CHECK(contains(text, "type filter hook forward priority filter; policy accept;"));
  // Same bridge allowed, replies in, the rest into the bridge dropped.
  CHECK(contains(text, "iifname \"br-front\" oifname \"br-front\" accept\n"));
  CHECK(contains(text, "oifname \"br-front\" ct state established,related accept\n"));
  CHECK(contains(text, "oifname \"br-back\" drop\n"));
  // nat: out allowed and masqueraded; not nat: out dropped.
  CHECK(contains(text, "    iifname \"br-front\" accept\n    iifname \"br-front\" drop\n"));
  CHECK_FALSE(contains(text, "    iifname \"br-back\" accept\n"));
  CHECK(contains(text, "    iifname \"br-back\" drop\n"));
  CHECK(contains(text, "ip saddr 10.9.1.0/24 oifname != \"br-front\" masquerade"));
  CHECK_FALSE(contains(text, "10.9.2.0/24"));
  // internal: nothing of the host answers, only replies come in (IPv4 and IPv6 alike).
  CHECK(contains(text,
                 "    type filter hook input priority filter; policy accept;\n"
                 "    iifname \"br-back\" ct state established,related accept\n"
                 "    iifname \"br-back\" drop\n  }"));
  CHECK_FALSE(contains(text, "iifname \"br-front\" ct state"));
}

TEST_CASE("ruleset: names that could inject nft syntax are refused") {
  plan::LabNetPlan lab;
  lab.nft_table = "srcompose_demo";
  lab.bridges.push_back(bridge("front", "br\" accept #", 1, true, false));
  auto script = net::lab_ruleset(lab);
  REQUIRE_FALSE(script.ok());
  CHECK(contains(script.error().to_string(), "cannot go into an nftables rule"));
  lab.bridges.clear();
  lab.nft_table = "x; flush ruleset";
  CHECK_FALSE(net::lab_ruleset(lab).ok());
}

TEST_CASE("subnet overlap") {
  auto cidr = [](uint32_t a, uint32_t b, uint32_t c, uint8_t prefix) {
    return spec::Cidr{spec::Ipv4{(a << 24) | (b << 16) | (c << 8)}, prefix};
  };
  CHECK(spec::cidrs_overlap(cidr(10, 0, 0, 16), cidr(10, 0, 5, 24)));
  CHECK(spec::cidrs_overlap(cidr(10, 0, 5, 24), cidr(10, 0, 0, 16)));
  CHECK_FALSE(spec::cidrs_overlap(cidr(10, 0, 5, 24), cidr(10, 0, 6, 24)));
  CHECK_FALSE(spec::cidrs_overlap(cidr(10, 1, 0, 16), cidr(10, 0, 0, 16)));
  CHECK(spec::cidrs_overlap(cidr(0, 0, 0, 0), cidr(10, 0, 0, 16)));
  CHECK(spec::to_string(spec::Ipv4{(192U << 24) | (168U << 16) | 7U}) == "192.168.0.7");
}

TEST_CASE("resolv.conf: loopback nameservers dropped, the rest kept, a comment when none remain") {
  CHECK(net::filter_resolv_conf("search lab\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n"
                                "options edns0\n") ==
        "search lab\nnameserver 10.0.0.2\noptions edns0\n");
  CHECK(net::filter_resolv_conf("nameserver ::1\nnameserver\t1.1.1.1") == "nameserver\t1.1.1.1\n");
  auto none = net::filter_resolv_conf("nameserver 127.0.0.53\nsearch lab\n");
  CHECK(none.starts_with("# srcompose:"));
  CHECK_FALSE(none.starts_with("nameserver"));
  CHECK_FALSE(contains(none, "\nnameserver"));
  CHECK(net::filter_resolv_conf("").starts_with("#"));
}
