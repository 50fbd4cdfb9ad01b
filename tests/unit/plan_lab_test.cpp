// SPDX-License-Identifier: GPL-2.0-or-later
// plan_lab: one plan per container in start order, pointing into the lab, with the name files.
#include <doctest/doctest.h>

#include <algorithm>

#include "plan/lab_plan.hpp"
#include "security/seccomp_profile.hpp"
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
    const auto files = plan::files_to_write(container);
    auto file = [&](std::string_view path) -> const plan::FileToWrite* {
      auto it =
          std::find_if(files.begin(), files.end(), [&](const auto& f) { return f.path == path; });
      return it == files.end() ? nullptr : &*it;
    };
    for (std::string_view path : {"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"}) {
      CAPTURE(path);
      REQUIRE(file(path) != nullptr);
      CHECK(file(path)->mode == 0644);
      CHECK(std::count_if(files.begin(), files.end(),
                          [&](const auto& f) { return f.path == path; }) == 1);
    }
    CHECK(file("/etc/hostname")->content == source->hostname + "\n");
    CHECK(file("/etc/hosts")->content == plan::hosts_file(*container.net.hosts, container.name));
    CHECK(file("/etc/hosts")->content.find("\t" + container.name) != std::string::npos);
    CHECK(file("/etc/resolv.conf")->content == container.net.resolv_conf);
  }
  CHECK(plan.containers[1].process.hostname == "www");
  CHECK(plan.containers[1].userns.uid_map != plan.containers[0].userns.uid_map);
}

TEST_CASE("plan_lab gives containers that are alike one copy of the parts they share") {
  // Issue 16: a supervisor of 200 containers kept 200 copies of the default mounts and seccomp
  // rules and 200 hosts files of 200 lines.
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  auto result = spec::load_lab_text(
      "name = \"sharelab\"\n"
      "[networks.net]\nsubnet = \"10.78.0.0/24\"\n"
      "[containers.a]\nnetworks = [\"net\"]\n"
      "[containers.b]\nnetworks = [\"net\"]\n"
      "[containers.admin]\nnetworks = [\"net\"]\ncap_add = [\"SYS_ADMIN\"]\n"
      "[containers.scratch]\nmounts = [{ type = \"tmpfs\", target = \"/scratch\" }]\n",
      "/tmp/srcompose-plan-share/lab.toml", options);
  REQUIRE(result.lab.has_value());
  plan::LabPlan plan = plan::plan_lab(*result.lab);
  const plan::ContainerPlan* a = plan.find("a");
  const plan::ContainerPlan* b = plan.find("b");
  const plan::ContainerPlan* admin = plan.find("admin");
  const plan::ContainerPlan* scratch = plan.find("scratch");
  REQUIRE((a && b && admin && scratch));
  CHECK(a->rootfs.mounts.same_object(b->rootfs.mounts));
  CHECK(a->rootfs.mounts.same_object(admin->rootfs.mounts));
  CHECK(a->rootfs.masked_paths.same_object(scratch->rootfs.masked_paths));
  CHECK(a->rootfs.readonly_paths.same_object(scratch->rootfs.readonly_paths));
  CHECK(a->security.seccomp_rules.same_object(b->security.seccomp_rules));
  CHECK(a->net.hosts.same_object(scratch->net.hosts));
  // What differs is not shared, and each keeps its own value.
  CHECK_FALSE(a->rootfs.mounts.same_object(scratch->rootfs.mounts));
  CHECK(scratch->rootfs.mounts.back().target == "/scratch");
  CHECK(a->rootfs.mounts.size() + 1 == scratch->rootfs.mounts.size());
  CHECK_FALSE(a->security.seccomp_rules.same_object(admin->security.seccomp_rules));
  CHECK(a->security.seccomp_rules.get() ==
        security::default_seccomp_profile(a->security.capabilities));
  CHECK(admin->security.seccomp_rules.get() ==
        security::default_seccomp_profile(admin->security.capabilities));
  CHECK(plan.find("a")->net.hosts->size() == 3);  // scratch has no network
}
