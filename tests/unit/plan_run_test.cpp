// SPDX-License-Identifier: GPL-2.0-or-later
// PlanInputs of `srcompose run NAME [CMD...]` and `up NAME...`: NAME and what it depends on,
// nothing else, and run's command, -e, -u and -w over NAME's.
#include <doctest/doctest.h>

#include "plan/lab_plan.hpp"
#include "spec/load.hpp"

using namespace srcompose;

namespace {

spec::Lab load_lab(const std::string& text) {
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  auto result = spec::load_lab_text(text, "/tmp/srcompose-plan-run/lab.toml", options);
  REQUIRE(result.lab.has_value());
  return std::move(*result.lab);
}

}  // namespace

TEST_CASE("planning for run keeps the container and its transitive dependencies, in start order") {
  const spec::Lab lab = load_lab(
      "name = \"planrun\"\n"
      "[containers.grader]\ndepends_on = [\"s1\", \"s2\"]\ncommand = [\"/bin/grade\"]\n"
      "[containers.s1]\ndepends_on = [\"ref\"]\n"
      "[containers.s2]\n"
      "[containers.ref]\n"
      "[containers.unrelated]\n");

  auto run = [&](std::string name, std::vector<std::string> command) {
    plan::PlanInputs inputs;
    inputs.containers = {std::move(name)};
    inputs.run.command = std::move(command);
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

TEST_CASE("run -e -u -w: over the container's own, as the lab file's would be; others untouched") {
  const spec::Lab lab = load_lab(
      "name = \"planrunenv\"\n"
      "[containers.grader]\ndepends_on = [\"ref\"]\nuser = \"1000\"\nworkdir = \"/srv\"\n"
      "env = { KEEP = \"lab\", CHANGE = \"lab\" }\n"
      "[containers.ref]\nenv = { CHANGE = \"ref\" }\n");
  auto env_of = [](const plan::ContainerPlan& container, const std::string& name) {
    for (const auto& entry : container.process.env) {
      if (entry.starts_with(name + "=")) return entry.substr(name.size() + 1);
    }
    return std::string("(unset)");
  };

  plan::PlanInputs inputs;
  inputs.containers = {"grader"};
  plan::LabPlan own = plan::plan_lab(lab, inputs);
  CHECK(own.find("grader")->process.user == "1000");
  CHECK(own.find("grader")->process.workdir == "/srv");
  CHECK(env_of(*own.find("grader"), "HOME") == "/");

  inputs.run.env = {{"CHANGE", "run"}, {"NEW", "x=y"}};
  inputs.run.user = "root";
  inputs.run.workdir = "/tmp";
  plan::LabPlan run = plan::plan_lab(lab, inputs);
  const plan::ContainerPlan& grader = *run.find("grader");
  CHECK(env_of(grader, "KEEP") == "lab");
  CHECK(env_of(grader, "CHANGE") == "run");
  CHECK(env_of(grader, "NEW") == "x=y");
  CHECK(grader.process.user == "root");
  CHECK(env_of(grader, "HOME") == "/root");  // follows -u as it follows `user`
  CHECK(grader.process.workdir == "/tmp");
  CHECK(grader.process.argv == own.find("grader")->process.argv);
  const plan::ContainerPlan& ref = *run.find("ref");
  CHECK(env_of(ref, "CHANGE") == "ref");
  CHECK(env_of(ref, "NEW") == "(unset)");
  CHECK(ref.process.user == own.find("ref")->process.user);
  CHECK(ref.process.workdir == "/");

  inputs.run.env = {{"HOME", "/home/grader"}};
  CHECK(env_of(*plan::plan_lab(lab, inputs).find("grader"), "HOME") == "/home/grader");
}
