// SPDX-License-Identifier: GPL-2.0-or-later
// PlanInputs::taken_id_ranges / host_id_ranges: automatic id ranges settled against the other labs
// on the host (issue 10 item 9).
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <utility>

#include "plan/lab_plan.hpp"
#include "spec/load.hpp"

using namespace srcompose;

namespace {

spec::Lab load(const std::string& project, const std::string& containers) {
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  std::string text = "name = \"";
  text += project;
  text += "\"\n";
  text += containers;
  auto result = spec::load_lab_text(text, "/tmp/srcompose-id-ranges/lab.toml", options);
  for (const auto& diagnostic : result.diagnostics)
    MESSAGE(diagnostic.to_string());
  REQUIRE(result.lab.has_value());
  return std::move(*result.lab);
}

bool overlap(const spec::IdRange& a, const spec::IdRange& b) {
  return uint64_t{a.outside} < uint64_t{b.outside} + b.count &&
         uint64_t{b.outside} < uint64_t{a.outside} + a.count;
}

bool any_overlap(const std::vector<spec::IdRange>& a, const std::vector<spec::IdRange>& b) {
  for (const auto& x : a) {
    for (const auto& y : b) {
      if (overlap(x, y)) return true;
    }
  }
  return false;
}

// Two project names whose container "c" hashes to the same home slot, found by brute force.
std::pair<std::string, std::string> colliding_projects() {
  std::map<uint32_t, std::string> seen;
  for (int i = 0;; ++i) {
    std::string name = "lab" + std::to_string(i);
    auto range = plan::auto_id_range(name, "c", {});
    auto [it, added] = seen.emplace(range.outside, name);
    if (!added) return {it->second, name};
  }
}

}  // namespace

TEST_CASE("two labs whose names hash alike get disjoint ranges once the first is registered") {
  auto [first_name, second_name] = colliding_projects();
  CAPTURE(first_name);
  CAPTURE(second_name);
  const std::string containers = "[containers.c]\n[containers.d]\n";
  auto first_lab = load(first_name, containers);
  auto second_lab = load(second_name, containers);
  auto first = plan::plan_lab(first_lab);
  auto second = plan::plan_lab(second_lab);
  // The hash alone puts both labs' c on the same host ids.
  REQUIRE(any_overlap(plan::host_id_ranges(first), plan::host_id_ranges(second)));

  plan::PlanInputs inputs;
  inputs.taken_id_ranges = plan::host_id_ranges(first);
  second = plan::plan_lab(second_lab, inputs);
  CHECK_FALSE(any_overlap(plan::host_id_ranges(first), plan::host_id_ranges(second)));
  // Within the lab too, and uid and gid maps agree.
  const auto& c = *second.find("c");
  const auto& d = *second.find("d");
  CHECK_FALSE(overlap(c.userns.uid_map[0], d.userns.uid_map[0]));
  CHECK(c.userns.gid_map == c.userns.uid_map);
  CHECK(c.userns.root_uid_on_host == c.userns.uid_map[0].outside);
}

TEST_CASE("with nothing in the way a lab keeps its hashed ranges") {
  auto lab = load("steady",
                  "[containers.a]\n[containers.b]\n[containers.h]\nidmap = \"host\"\n"
                  "[containers.x.idmap]\nuid = [\"0:300000:1000\"]\ngid = [\"0:300000:1000\"]\n");
  auto plan = plan::plan_lab(lab);
  auto before = plan::host_id_ranges(plan);
  // a and b automatic (uid + gid each), x explicit, h none.
  CHECK(before.size() == 6);
  auto planned_around = [&](std::vector<spec::IdRange> taken) {
    plan::PlanInputs inputs;
    inputs.taken_id_ranges = std::move(taken);
    return plan::plan_lab(lab, inputs);
  };
  plan = planned_around({});
  CHECK(plan::host_id_ranges(plan) == before);
  // A range elsewhere that touches nobody moves nobody.
  plan = planned_around({spec::IdRange{0, 1000, 10}});
  CHECK(plan::host_id_ranges(plan) == before);
  // Taking b's range moves b alone.
  auto b_range = plan.find("b")->userns.uid_map[0];
  auto a_range = plan.find("a")->userns.uid_map[0];
  plan = planned_around({b_range});
  CHECK(plan.find("a")->userns.uid_map[0] == a_range);
  CHECK_FALSE(overlap(plan.find("b")->userns.uid_map[0], b_range));
  CHECK_FALSE(plan.find("h")->userns.enabled);
}
