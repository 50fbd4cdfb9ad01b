// SPDX-License-Identifier: GPL-2.0-or-later
// `subnet = "auto"`: loading (placeholder, then the picked /24 given), the emitted form, and the
// pure picker that `up` runs under the host-wide subnet registry's lock.
#include <doctest/doctest.h>

#include "plan/lab_plan.hpp"
#include "plan/subnets.hpp"
#include "spec/emit.hpp"
#include "spec/load.hpp"
#include "spec/values.hpp"

using namespace srcompose;

namespace {

constexpr std::string_view kLab = R"(
name = "pick"

[networks.front]
subnet = "auto"

[networks.fixed]
subnet = "10.200.0.0/24"

[networks.back]
subnet = "auto"

[containers.web]
networks = ["front", "back"]

[containers.db]
networks = ["back", "fixed"]
)";

spec::Lab load(std::string_view text, spec::LoadOptions options = {}) {
  options.host_cpu_count = 2;
  auto result = spec::load_lab_text(text, "/tmp/srcompose-subnets/lab.toml", options);
  std::string diagnostics;
  for (const auto& diagnostic : result.diagnostics)
    diagnostics += diagnostic.to_string() + "\n";
  REQUIRE_MESSAGE(result.lab.has_value(), diagnostics);
  return std::move(*result.lab);
}

spec::Cidr cidr(std::string_view text) {
  return *spec::parse_cidr(text);
}

std::string address(const spec::Lab& lab, std::string_view container, size_t index) {
  return spec::to_string(lab.find_container(container)->networks.at(index).ipv4);
}

}  // namespace

TEST_CASE("subnet = auto loads with a placeholder, and the picked subnet moves every address") {
  spec::Lab lab = load(kLab);
  CHECK(lab.has_unassigned_subnets());
  CHECK(lab.subnet_pool == cidr("10.0.0.0/8"));
  CHECK(lab.networks[0].subnet_auto);
  CHECK_FALSE(lab.networks[1].subnet_auto);
  spec::assign_auto_subnets(lab, {{"front", cidr("10.7.1.0/24")}, {"back", cidr("10.7.2.0/24")}});
  CHECK_FALSE(lab.has_unassigned_subnets());
  CHECK(spec::to_string(lab.networks[0].gateway) == "10.7.1.1");
  CHECK(spec::to_string(lab.networks[2].gateway) == "10.7.2.1");
  CHECK(address(lab, "web", 0) == "10.7.1.2");
  CHECK(address(lab, "web", 1) == "10.7.2.2");
  CHECK(address(lab, "db", 0) == "10.7.2.3");
  CHECK(address(lab, "db", 1) == "10.200.0.2");
  // The plan made after follows: bridges, interfaces and /etc/hosts.
  spec::Lab fresh = load(kLab);
  spec::assign_auto_subnets(fresh, {{"front", cidr("10.7.1.0/24")}, {"back", cidr("10.7.2.0/24")}});
  plan::LabPlan plan = plan::plan_lab(fresh);
  CHECK(plan.networks.bridges[0].subnet == cidr("10.7.1.0/24"));
  const plan::ContainerPlan* web = plan.find("web");
  REQUIRE(web != nullptr);
  CHECK(spec::to_string(web->net.interfaces[1].address) == "10.7.2.2");
  CHECK(spec::to_string(*web->net.default_gateway) == "10.7.1.1");
  bool hosts_updated = false;
  for (const auto& file : plan::files_to_write(*web)) {
    if (file.path == "/etc/hosts")
      hosts_updated = file.content.find("10.7.2.3") != std::string::npos;
  }
  CHECK(hosts_updated);
}

TEST_CASE("a running lab's file loads with the subnets it holds") {
  spec::LoadOptions options;
  options.auto_subnets = {{"front", cidr("10.9.9.0/24")}, {"back", cidr("10.9.8.0/24")}};
  spec::Lab lab = load(kLab, options);
  CHECK_FALSE(lab.has_unassigned_subnets());
  CHECK(address(lab, "db", 0) == "10.9.8.3");
}

TEST_CASE("config writes subnet = auto back, without the placeholder's addresses") {
  spec::Lab lab = load(kLab);
  std::string text = spec::to_toml(lab);
  CHECK(text.find("subnet = \"auto\"") != std::string::npos);
  CHECK(text.find("\"0.0.0.") == std::string::npos);
  CHECK(spec::to_json(lab).find("\"0.0.0.") == std::string::npos);
  CHECK(text.find("subnet_pool = \"10.0.0.0/8\"") != std::string::npos);
  spec::Lab again = load(text);
  CHECK(spec::to_toml(again) == text);
}

TEST_CASE("the picker: stable start, previous kept, held and fixed avoided, remembered last") {
  spec::Lab lab = load(kLab);
  plan::SubnetConstraints none;
  auto first = plan::pick_auto_subnets(lab, none);
  REQUIRE(first);
  REQUIRE(first->size() == 2);
  const spec::Cidr front = first->at("front");
  const spec::Cidr back = first->at("back");
  CHECK(front.prefix_length == 24);
  CHECK(spec::cidr_contains(lab.subnet_pool, front.network));
  CHECK_FALSE(spec::cidrs_overlap(front, back));
  // Same inputs, same picks: a lab gets the same subnets run after run.
  CHECK(*plan::pick_auto_subnets(lab, none) == *first);

  // Another lab holds `front`'s: front moves, back stays.
  plan::SubnetConstraints held;
  held.held = {front};
  auto moved = plan::pick_auto_subnets(lab, held);
  REQUIRE(moved);
  CHECK_FALSE(spec::cidrs_overlap(moved->at("front"), front));
  CHECK(moved->at("back") == back);

  // A host route covering a /16 around the start point is avoided as a whole.
  plan::SubnetConstraints route;
  route.held = {spec::Cidr{spec::Ipv4{front.network.value & 0xffff0000u}, 16}};
  auto around = plan::pick_auto_subnets(lab, route);
  REQUIRE(around);
  CHECK_FALSE(spec::cidrs_overlap(around->at("front"), route.held[0]));

  // What the project had before wins while it is free; not once something holds it.
  plan::SubnetConstraints previous;
  previous.previous = {{"front", cidr("10.33.44.0/24")}};
  CHECK(plan::pick_auto_subnets(lab, previous)->at("front") == cidr("10.33.44.0/24"));
  previous.held = {cidr("10.33.0.0/16")};
  CHECK(plan::pick_auto_subnets(lab, previous)->at("front") == front);
  // A previous subnet outside the pool, or overlapping the lab's fixed one, is not kept.
  previous.held.clear();
  previous.previous = {{"front", cidr("10.200.0.0/24")}, {"back", cidr("192.168.5.0/24")}};
  CHECK(*plan::pick_auto_subnets(lab, previous) == *first);

  // Remembered by a lab that is down: avoided while anything else is free.
  plan::SubnetConstraints remembered;
  remembered.remembered = {front};
  CHECK(plan::pick_auto_subnets(lab, remembered)->at("front") != front);
}

TEST_CASE("a full pool is an error naming the network and the pool; a small pool is used up") {
  spec::Lab lab = load(R"(
subnet_pool = "10.5.0.0/23"
[networks.a]
subnet = "auto"
[networks.b]
subnet = "auto"
[containers.c]
networks = ["a", "b"]
)");
  auto picks = plan::pick_auto_subnets(lab, {});
  REQUIRE(picks);
  CHECK(spec::cidrs_overlap(picks->at("a"), cidr("10.5.0.0/23")));
  CHECK(picks->at("a") != picks->at("b"));
  plan::SubnetConstraints remembered;
  remembered.remembered = {cidr("10.5.0.0/23")};
  CHECK(plan::pick_auto_subnets(lab, remembered));  // taken all the same when nothing else is free
  plan::SubnetConstraints held;
  held.held = {cidr("10.5.1.0/24")};
  auto full = plan::pick_auto_subnets(lab, held);
  REQUIRE_FALSE(full);
  CHECK(full.error().to_string().find("network b: no free /24 left in subnet_pool 10.5.0.0/23") !=
        std::string::npos);
}
