// SPDX-License-Identifier: GPL-2.0-or-later
// Layout detection from mountinfo text: pure, no cgroupfs touched.
#include <doctest/doctest.h>

#include "cgroup/layout.hpp"

using namespace srcompose::cgroup;

namespace {

// /proc/self/mountinfo of the development machines: v1 controllers, each in its own hierarchy,
// plus an empty cgroup2 mount at /sys/fs/cgroup/unified.
constexpr std::string_view kHybrid =
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

// A current systemd distribution: only cgroup2, on /sys/fs/cgroup.
constexpr std::string_view kPureV2 =
    "22 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
    "26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

}  // namespace

TEST_CASE("hybrid: v1 drives every controller it mounts; the unified hierarchy is kept, empty") {
  auto layout = layout_from_mountinfo(kHybrid, "hugetlb\n");
  CHECK(layout.mode() == HostLayout::Mode::hybrid);
  CHECK(to_string(layout.mode()) == "hybrid");
  REQUIRE(layout.driver_of(Controller::memory) != nullptr);
  CHECK(layout.driver_of(Controller::memory)->mount == "/sys/fs/cgroup/memory");
  CHECK(layout.driver_of(Controller::memory)->version == CgroupVersion::v1);
  CHECK(layout.driver_of(Controller::io)->mount == "/sys/fs/cgroup/blkio");
  CHECK(layout.driver_of(Controller::cpuacct)->mount == "/sys/fs/cgroup/cpuacct");
  CHECK(layout.driver_of(Controller::freezer)->mount == "/sys/fs/cgroup/freezer");
  CHECK(layout.driver_of(Controller::devices)->mount == "/sys/fs/cgroup/devices");
  // name=systemd carries nothing srcompose drives: not joined.
  CHECK(layout.hierarchies.size() == 9);
  REQUIRE(layout.unified() != nullptr);
  CHECK(layout.unified()->mount == "/sys/fs/cgroup/unified");
  CHECK(layout.unified()->controllers.empty());
  CHECK(layout.unified() == &layout.hierarchies.back());
}

TEST_CASE("pure v2: every available controller, cpuacct and freezer by the unified hierarchy") {
  auto layout = layout_from_mountinfo(kPureV2, "cpuset cpu io memory hugetlb pids rdma misc\n");
  CHECK(layout.mode() == HostLayout::Mode::unified);
  REQUIRE(layout.hierarchies.size() == 1);
  for (auto controller : kAllControllers) {
    CAPTURE(v1_name(controller));
    // No devices controller on cgroup2: a BPF program on the container's directory does its job.
    if (controller == Controller::devices) {
      CHECK_FALSE(layout.has(controller));
      continue;
    }
    REQUIRE(layout.driver_of(controller) != nullptr);
    CHECK(layout.driver_of(controller)->mount == "/sys/fs/cgroup");
  }
}

TEST_CASE("pure v2 without the io controller on offer reports it missing") {
  auto layout = layout_from_mountinfo(kPureV2, "cpu memory pids\n");
  CHECK_FALSE(layout.has(Controller::io));
  CHECK_FALSE(layout.has(Controller::cpuset));
  CHECK(layout.has(Controller::memory));
}

TEST_CASE("v1 only, with cpu and cpuacct co-mounted: one hierarchy drives both") {
  auto layout = layout_from_mountinfo(
      "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
      "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
      "35 30 0:31 / /mnt/memory-again rw - cgroup cgroup rw,memory\n",
      "");
  CHECK(layout.mode() == HostLayout::Mode::legacy);
  CHECK(layout.unified() == nullptr);
  CHECK(layout.hierarchies.size() == 2);  // the second memory mount is not a second driver
  CHECK(layout.driver_of(Controller::cpu) == layout.driver_of(Controller::cpuacct));
  CHECK(layout.driver_of(Controller::cpu)->mount == "/sys/fs/cgroup/cpu,cpuacct");
  CHECK_FALSE(layout.has(Controller::freezer));
  CHECK_FALSE(layout.has(Controller::pids));
}

TEST_CASE("a controller listed by cgroup2 but bound to v1 is driven by v1 only") {
  auto layout = layout_from_mountinfo(kHybrid, "memory pids\n");
  CHECK(layout.driver_of(Controller::memory)->version == CgroupVersion::v1);
  CHECK(layout.unified()->controllers.empty());
}

TEST_CASE("mount points with escaped characters are decoded") {
  auto layout = layout_from_mountinfo("26 22 0:23 / /run/my\\040cgroup rw - cgroup2 cgroup2 rw\n",
                                      "memory\n");
  REQUIRE(layout.unified() != nullptr);
  CHECK(layout.unified()->mount == "/run/my cgroup");
}

TEST_CASE("no cgroup mount at all yields an empty layout") {
  auto layout = layout_from_mountinfo("22 1 0:21 / /sys rw - sysfs sysfs rw\n", "");
  CHECK(layout.hierarchies.empty());
  CHECK_FALSE(layout.has(Controller::memory));
}

TEST_CASE(
    "the container's view: cgroup2 alone on pure v2, one mount per hierarchy with links else") {
  auto unified = layout_from_mountinfo("30 23 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
                                       "cpu memory pids\n");
  auto view = container_view(unified);
  REQUIRE(view.mounts.size() == 1);
  CHECK_FALSE(view.needs_tmpfs());
  CHECK(std::string_view(view.mounts[0].fs_type) == "cgroup2");
  CHECK(view.mounts[0].name.empty());

  auto hybrid = layout_from_mountinfo(
      "33 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n",
      "");
  view = container_view(hybrid);
  CHECK(view.needs_tmpfs());
  REQUIRE(view.mounts.size() == 2);
  CHECK(view.mounts[0].name == "cpu,cpuacct");
  CHECK(std::string_view(view.mounts[0].fs_type) == "cgroup");
  CHECK(view.mounts[0].options == "cpu,cpuacct");
  CHECK(view.mounts[0].links == std::vector<std::string>{"cpu", "cpuacct"});
  CHECK(view.mounts[1].name == "unified");
  CHECK(std::string_view(view.mounts[1].fs_type) == "cgroup2");
}
