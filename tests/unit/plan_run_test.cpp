// plan_run: `srcompose run NAME [CMD...]` plans NAME and what it depends on, nothing else.
#include <doctest/doctest.h>

#include "plan/lab_plan.hpp"
#include "spec/load.hpp"

using namespace srcompose;

TEST_CASE("plan_run keeps the container and its transitive dependencies, in start order") {
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  auto result = spec::load_lab_text(
      "name = \"planrun\"\n"
      "[containers.grader]\ndepends_on = [\"s1\", \"s2\"]\ncommand = [\"/bin/grade\"]\n"
      "[containers.s1]\ndepends_on = [\"ref\"]\n"
      "[containers.s2]\n"
      "[containers.ref]\n"
      "[containers.unrelated]\n",
      "/tmp/srcompose-plan-run/lab.toml", options);
  REQUIRE(result.lab.has_value());
  const spec::Lab& lab = *result.lab;

  plan::LabPlan plan = plan::plan_run(lab, "grader", {});
  std::vector<std::string> names;
  for (const auto& container : plan.containers)
    names.push_back(container.name);
  CHECK(names == std::vector<std::string>{"s2", "ref", "s1", "grader"});
  CHECK(plan.find("grader")->process.argv == std::vector<std::string>{"/bin/grade"});

  plan::LabPlan overridden = plan::plan_run(lab, "grader", {"/bin/sh", "-c", "exit 3"});
  CHECK(overridden.find("grader")->process.argv ==
        std::vector<std::string>{"/bin/sh", "-c", "exit 3"});
  CHECK(overridden.find("s1")->process.argv == plan.find("s1")->process.argv);

  plan::LabPlan alone = plan::plan_run(lab, "s2", {});
  REQUIRE(alone.containers.size() == 1);
  CHECK(alone.containers[0].name == "s2");

  // `up s1 unrelated`: both, with s1's dependency, in the lab's start order.
  std::vector<std::string> subset;
  for (const auto& container : plan::plan_subset(lab, {"unrelated", "s1"}).containers)
    subset.push_back(container.name);
  CHECK(subset == std::vector<std::string>{"ref", "s1", "unrelated"});
}
