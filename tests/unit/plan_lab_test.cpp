// SPDX-License-Identifier: GPL-2.0-or-later
// plan_lab: one plan per container in start order, pointing into the lab, with the name files.
#include <doctest/doctest.h>

#include <algorithm>

#include "plan/lab_plan.hpp"
#include "spec/load.hpp"

using namespace srcompose;

TEST_CASE("plan_lab plans every container in start order with its name files") {
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  auto result = spec::load_lab_text(
      "name = \"planlab\"\n"
      "[networks.net]\nsubnet = \"10.77.0.0/24\"\n"
      "[containers.web]\ndepends_on = [\"db\"]\nnetworks = [\"net\"]\nhostname = \"www\"\n"
      "[containers.db]\nnetworks = [\"net\"]\ndns = [\"9.9.9.9\"]\n",
      "/tmp/srcompose-plan-lab/lab.toml", options);
  REQUIRE(result.lab.has_value());
  const spec::Lab& lab = *result.lab;
  plan::LabPlan plan = plan::plan_lab(lab);
  CHECK(plan.project == "planlab");
  REQUIRE(plan.containers.size() == 2);
  CHECK(plan.containers[0].name == "db");
  CHECK(plan.containers[1].name == "web");
  CHECK(plan.find("web") == &plan.containers[1]);
  CHECK(plan.find("nope") == nullptr);
  for (const auto& container : plan.containers) {
    CAPTURE(container.name);
    CHECK(container.project == "planlab");
    const spec::Container* source = lab.find_container(container.name);
    REQUIRE(source != nullptr);
    auto file = [&](std::string_view path) -> const plan::FileToWrite* {
      const auto& files = container.rootfs.files;
      auto it =
          std::find_if(files.begin(), files.end(), [&](const auto& f) { return f.path == path; });
      return it == files.end() ? nullptr : &*it;
    };
    for (std::string_view path : {"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"}) {
      CAPTURE(path);
      REQUIRE(file(path) != nullptr);
      CHECK(file(path)->mode == 0644);
      CHECK(std::count_if(container.rootfs.files.begin(), container.rootfs.files.end(),
                          [&](const auto& f) { return f.path == path; }) == 1);
    }
    CHECK(file("/etc/hostname")->content == source->hostname + "\n");
    CHECK(file("/etc/hosts")->content == container.net.hosts_file);
    CHECK(file("/etc/resolv.conf")->content == container.net.resolv_conf);
  }
  CHECK(plan.containers[1].process.hostname == "www");
  CHECK(plan.containers[1].userns.uid_map != plan.containers[0].userns.uid_map);
}
