// SPDX-License-Identifier: GPL-2.0-or-later
// PlanInputs of `srcompose run NAME [CMD...]` and `up NAME...`: NAME and what it depends on,
// nothing else, and run's command in place of NAME's.
#include <doctest/doctest.h>

#include "plan/lab_plan.hpp"
#include "spec/load.hpp"

using namespace srcompose;

TEST_CASE("planning for run keeps the container and its transitive dependencies, in start order") {
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

  auto run = [&](std::string name, std::vector<std::string> command) {
    plan::PlanInputs inputs;
    inputs.containers = {std::move(name)};
    inputs.run_command = std::move(command);
    return plan::plan_lab(lab, inputs);
  };
  plan::LabPlan plan = run("grader", {});
  std::vector<std::string> names;
  for (const auto& container : plan.containers)
    names.push_back(container.name);
  CHECK(names == std::vector<std::string>{"s2", "ref", "s1", "grader"});
  CHECK(plan.find("grader")->process.argv == std::vector<std::string>{"/bin/grade"});

  plan::LabPlan overridden = run("grader", {"/bin/sh", "-c", "exit 3"});
  CHECK(overridden.find("grader")->process.argv ==
        std::vector<std::string>{"/bin/sh", "-c", "exit 3"});
  CHECK(overridden.find("s1")->process.argv == plan.find("s1")->process.argv);

  plan::LabPlan alone = run("s2", {});
  REQUIRE(alone.containers.size() == 1);
  CHECK(alone.containers[0].name == "s2");

  // `up s1 unrelated`: both, with s1's dependency, in the lab's start order.
  std::vector<std::string> subset;
  plan::PlanInputs up_inputs;
  up_inputs.containers = {"unrelated", "s1"};
  for (const auto& container : plan::plan_lab(lab, up_inputs).containers)
    subset.push_back(container.name);
  CHECK(subset == std::vector<std::string>{"ref", "s1", "unrelated"});
}
