// SPDX-License-Identifier: GPL-2.0-or-later
// check_limits: limits validated against the host before anything is created. Reads sysfs and
// stats device nodes only; needs no root and creates nothing.
#include <doctest/doctest.h>

#include "cgroup/cgroup.hpp"

using namespace srcompose;
using namespace srcompose::cgroup;

namespace {

HostLayout pure_v2(std::string_view controllers) {
  return layout_from_mountinfo("26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
                               controllers);
}

plan::CgroupPlan plan_with(const spec::Limits& limits) {
  plan::CgroupPlan plan;
  plan.project_path = "srcompose/lab";
  plan.path = "srcompose/lab/web";
  plan.limits = limits;
  return plan;
}

std::string check(const HostLayout& host, const spec::Limits& limits) {
  auto status = check_limits(host, plan_with(limits), "/");
  return status.ok() ? "ok" : status.error().to_string();
}

}  // namespace

TEST_CASE("limits the host can enforce pass") {
  spec::Limits limits;
  limits.memory = 64 << 20;
  limits.memory_swap = 64 << 20;
  limits.cpu_weight = 100;
  limits.cpus = 0.5;
  limits.cpuset = "0";  // CPU 0 and node 0 exist on every machine
  limits.cpuset_mems = "0";
  limits.pids = 32;
  CHECK(check(pure_v2("cpuset cpu io memory pids"), limits) == "ok");
}

TEST_CASE("a CPU that does not exist is named with the container and key") {
  spec::Limits limits;
  limits.cpuset = "0,4095";
  auto text = check(pure_v2("cpuset cpu"), limits);
  CHECK_MESSAGE(text.rfind("container web: limits.cpuset: CPU 4095 does not exist on this host "
                           "(online: ",
                           0) == 0,
                text);
  limits.cpuset = "1-x";
  CHECK(check(pure_v2("cpuset"), limits) ==
        "container web: limits.cpuset: bad list element \"1-x\" in \"1-x\"");
  spec::Limits mems;
  mems.cpuset_mems = "63";
  CHECK(check(pure_v2("cpuset"), mems)
            .rfind("container web: limits.cpuset_mems: memory node 63 does not exist", 0) == 0);
}

TEST_CASE("a limit whose controller the host lacks is refused") {
  spec::Limits limits;
  limits.pids = 10;
  CHECK(check(pure_v2("cpu memory"), limits) ==
        "container web: limits.pids: the host's cgroups have no pids controller (layout v2)");
  spec::Limits io;
  io.io_read_bps.push_back({"/dev/null", 1});
  CHECK(check(pure_v2("memory"), io) ==
        "container web: limits.io: the host's cgroups have no io controller (layout v2)");
}

TEST_CASE("io devices must be block devices; memory_swap must cover memory") {
  spec::Limits io;
  io.io_write_iops.push_back({"/dev/null", 1});
  CHECK(check(pure_v2("io"), io) ==
        "container web: limits.io_write_iops /dev/null: /dev/null is not a block device");
  spec::Limits swap;
  swap.memory = 64 << 20;
  swap.memory_swap = 32 << 20;
  CHECK(check(pure_v2("memory"), swap) ==
        "container web: limits.memory_swap: smaller than limits.memory (memory_swap is memory + "
        "swap)");
  spec::Limits weight;
  weight.cpu_weight = 0;
  CHECK(check(pure_v2("cpu"), weight) == "container web: limits.cpu_weight: must be 1..10000");
}
