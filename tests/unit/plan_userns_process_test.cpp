// SPDX-License-Identifier: GPL-2.0-or-later
// The pure planners of the userns and process parts.
#include <doctest/doctest.h>

#include <sched.h>

#include <algorithm>
#include <string>

#include "plan/namespaces.hpp"
#include "plan/process.hpp"
#include "plan/userns.hpp"
#include "spec/load.hpp"

using namespace srcompose;

namespace {

spec::Lab load(std::string_view text) {
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  auto result = spec::load_lab_text(text, "/tmp/srcompose-plan-test/lab.toml", options);
  std::string diagnostics;
  for (const auto& diagnostic : result.diagnostics)
    diagnostics += diagnostic.to_string() + "\n";
  REQUIRE_MESSAGE(result.lab.has_value(), diagnostics);
  return *result.lab;
}

bool overlap(const spec::IdRange& a, const spec::IdRange& b) {
  return uint64_t{a.outside} < uint64_t{b.outside} + b.count &&
         uint64_t{b.outside} < uint64_t{a.outside} + a.count;
}

}  // namespace

TEST_CASE("automatic id ranges: deterministic, in the auto area, never overlapping") {
  // An explicit container sitting where the automatic ones live must be avoided too.
  std::string text;
  text = "name = \"ids\"\n";
  for (int i = 0; i < 40; ++i)
    text += "[containers.c" + std::to_string(i) + "]\n";
  text += "[containers.fixed.idmap]\nuid = [\"0:" + std::to_string(plan::kAutoIdBase) + ":" +
          std::to_string(64u * 65536u) + "\"]\n";
  spec::Lab lab = load(text);
  std::vector<spec::IdRange> ranges;
  for (const auto& container : lab.containers) {
    auto plan = plan::plan_userns(lab, container);
    REQUIRE(plan.enabled);
    REQUIRE(plan.uid_map.size() == 1);
    ranges.push_back(plan.uid_map[0]);
    if (container.name == "fixed") continue;
    CHECK(plan.uid_map == plan.gid_map);
    CHECK(plan.uid_map[0].inside == 0);
    CHECK(plan.uid_map[0].count == 65536);
    CHECK(plan.uid_map[0].outside >= plan::kAutoIdBase);
    CHECK((plan.uid_map[0].outside - plan::kAutoIdBase) % 65536 == 0);
    CHECK(plan.root_uid_on_host == plan.uid_map[0].outside);
    // Same inputs, same answer.
    CHECK(plan::plan_userns(lab, container).uid_map == plan.uid_map);
  }
  for (size_t i = 0; i < ranges.size(); ++i) {
    for (size_t j = i + 1; j < ranges.size(); ++j) {
      CAPTURE(i);
      CAPTURE(j);
      CHECK_FALSE(overlap(ranges[i], ranges[j]));
    }
  }
  // The home slot is a hash of project and container: another project moves it.
  auto a = plan::auto_id_range("p1", "web", {});
  auto b = plan::auto_id_range("p2", "web", {});
  CHECK(a.outside != b.outside);
  CHECK(plan::auto_id_range("p1", "web", {}) == a);
  // Linear probing: a taken home slot moves the range to the next free one.
  auto moved = plan::auto_id_range("p1", "web", {a});
  CHECK(moved.outside != a.outside);
  CHECK_FALSE(overlap(moved, a));
}

TEST_CASE("explicit and host id maps") {
  spec::Lab lab = load(
      "[containers.x.idmap]\nuid = [\"1000:300000:10\", \"0:200000:1000\"]\ngid = "
      "[\"0:400000:1\"]\n"
      "[containers.h]\nidmap = \"host\"\n");
  auto x = plan::plan_userns(lab, lab.containers[0]);
  CHECK(x.enabled);
  REQUIRE(x.uid_map.size() == 2);
  CHECK(x.uid_map[0].inside == 0);  // sorted by inside
  CHECK(x.root_uid_on_host == 200000);
  CHECK(x.root_gid_on_host == 400000);
  CHECK(x.uid_to_host(1005) == 300005u);
  CHECK(x.uid_to_host(999) == 200999u);
  CHECK_FALSE(x.uid_to_host(1010).has_value());
  CHECK_FALSE(x.gid_to_host(1).has_value());
  auto h = plan::plan_userns(lab, lab.containers[1]);
  CHECK_FALSE(h.enabled);
  CHECK(h.uid_to_host(1234) == 1234u);
  CHECK(h.root_uid_on_host == 0);
}

TEST_CASE("process plan: argv, environment and namespaces") {
  spec::Lab lab = load(
      "[containers.web]\ncommand = \"echo hi\"\nuser = \"1000\"\nenv = { TERM = \"vt100\", A = "
      "\"1\" }\n"
      "time_offsets = { monotonic = 10 }\n"
      "[containers.plain]\nidmap = \"host\"\n");
  auto web = plan::plan_process(lab, lab.containers[0]);
  CHECK(web.argv == std::vector<std::string>{"/bin/sh", "-c", "echo hi"});
  CHECK(web.env == std::vector<std::string>{
                       "A=1", "HOME=/", "HOSTNAME=web",
                       "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                       "TERM=vt100"});
  CHECK(web.user == "1000");
  CHECK(web.hostname == "web");
  CHECK(web.time_offsets.has_value());
  // Every container has its own cgroup namespace (the child enters it once placed in its cgroup).
  auto web_namespaces = plan::plan_namespaces(lab.containers[0]);
  CHECK(web_namespaces.user);
  CHECK(web_namespaces.cgroup);
  CHECK(web_namespaces.time);
  auto plain = plan::plan_process(lab, lab.containers[1]);
  CHECK(plain.argv == std::vector<std::string>{"/bin/sh"});
  auto plain_namespaces = plan::plan_namespaces(lab.containers[1]);
  CHECK_FALSE(plain_namespaces.user);
  CHECK(plain_namespaces.cgroup);
  CHECK_FALSE(plain_namespaces.time);
  CHECK(std::find(plain.env.begin(), plain.env.end(), std::string("HOME=/root")) !=
        plain.env.end());
  CHECK(std::find(plain.env.begin(), plain.env.end(), std::string("TERM=xterm")) !=
        plain.env.end());
}
