// SPDX-License-Identifier: GPL-2.0-or-later
// The v1 and v2 drivers' file writes, checked byte for byte.
//
// NOT THE KERNEL: these tests run the drivers against temporary directories of regular files laid
// out like cgroupfs (files pre-created, as the kernel creates them with each directory). They
// prove which bytes go into which file, and in which directory; whether the kernel accepts them
// is what the privileged tests in tests/priv/cgroup check on the real kernel.
#include <doctest/doctest.h>

#include <chrono>

#include "cgroup/driver.hpp"
#include "cgroup/files.hpp"
#include "test_support.hpp"

using namespace srcompose;
using namespace srcompose::cgroup;
using test::read_file;
using test::write_file;

namespace {

void make_cgroup_dir(const std::filesystem::path& dir, std::initializer_list<const char*> files) {
  std::filesystem::create_directories(dir);
  for (const char* file : files)
    write_file(dir / file, "");
}

ResolvedLimits every_limit() {
  ResolvedLimits resolved;
  resolved.limits.memory = 64 << 20;
  resolved.limits.memory_swap = 96 << 20;
  resolved.limits.cpu_weight = 1000;
  resolved.limits.cpus = 0.5;
  resolved.limits.cpuset = "0-1";
  resolved.limits.cpuset_mems = "0";
  resolved.limits.pids = 32;
  resolved.io.push_back(IoThrottle{254, 0, 1048576, 2097152, 100, 200});
  return resolved;
}

const std::vector<Controller> kV2Controllers = {
    Controller::cpu,  Controller::cpuacct, Controller::cpuset, Controller::memory,
    Controller::pids, Controller::io,      Controller::freezer};

constexpr std::initializer_list<const char*> kV2Files = {"cgroup.subtree_control",
                                                         "cgroup.procs",
                                                         "memory.max",
                                                         "memory.swap.max",
                                                         "cpu.weight",
                                                         "cpu.max",
                                                         "cpuset.cpus",
                                                         "cpuset.mems",
                                                         "pids.max",
                                                         "io.max"};

}  // namespace

TEST_CASE("v2 driver (fake tree, not the kernel): subtree_control top-down and every limit file") {
  test::TempDir root("srcompose-fake-cgroup2");
  make_cgroup_dir(root.path(), kV2Files);
  write_file(root.path() / "cgroup.subtree_control", "cpu memory\n");  // partly enabled already
  make_cgroup_dir(root.path() / "srcompose", kV2Files);
  make_cgroup_dir(root.path() / "srcompose/lab", kV2Files);
  make_cgroup_dir(root.path() / "srcompose/lab/web", kV2Files);

  auto prepared = v2_driver().prepare_ancestors(root.path(), "srcompose/lab", kV2Controllers);
  REQUIRE_MESSAGE(prepared.ok(), prepared.error().to_string());
  CHECK(read_file(root.path() / "cgroup.subtree_control") == "+cpuset +io +pids");
  CHECK(read_file(root.path() / "srcompose/cgroup.subtree_control") ==
        "+cpuset +cpu +io +memory +pids");
  CHECK(read_file(root.path() / "srcompose/lab/cgroup.subtree_control") ==
        "+cpuset +cpu +io +memory +pids");
  // The container's own directory enables nothing below it (it holds the processes).
  CHECK(read_file(root.path() / "srcompose/lab/web/cgroup.subtree_control") == "");

  auto web = root.path() / "srcompose/lab/web";
  auto written = v2_driver().write_limits(web, kV2Controllers, every_limit());
  REQUIRE_MESSAGE(written.ok(), written.error().to_string());
  CHECK(read_file(web / "memory.max") == "67108864");
  CHECK(read_file(web / "memory.swap.max") == "33554432");  // 96M memory+swap - 64M memory
  CHECK(read_file(web / "cpu.weight") == "1000");
  CHECK(read_file(web / "cpu.max") == "50000 100000");
  CHECK(read_file(web / "cpuset.cpus") == "0-1");
  CHECK(read_file(web / "cpuset.mems") == "0");
  CHECK(read_file(web / "pids.max") == "32");
  CHECK(read_file(web / "io.max") == "254:0 rbps=1048576 wbps=2097152 riops=100 wiops=200");
}

TEST_CASE("v2 driver (fake tree): only controllers the hierarchy drives are enabled or written") {
  test::TempDir root("srcompose-fake-cgroup2");
  for (const char* dir : {"", "srcompose", "srcompose/lab", "srcompose/lab/web"}) {
    make_cgroup_dir(root.path() / dir, kV2Files);
  }
  std::vector<Controller> only_memory = {Controller::memory, Controller::cpuacct};
  REQUIRE(v2_driver().prepare_ancestors(root.path(), "srcompose/lab", only_memory).ok());
  CHECK(read_file(root.path() / "cgroup.subtree_control") == "+memory");
  REQUIRE(
      v2_driver().write_limits(root.path() / "srcompose/lab/web", only_memory, every_limit()).ok());
  CHECK(read_file(root.path() / "srcompose/lab/web/memory.max") == "67108864");
  CHECK(read_file(root.path() / "srcompose/lab/web/pids.max") == "");
  CHECK(read_file(root.path() / "srcompose/lab/web/cpu.max") == "");

  // A hybrid host's unified hierarchy drives nothing: directories only, no subtree_control write.
  test::TempDir unified("srcompose-fake-unified");
  make_cgroup_dir(unified.path(), kV2Files);
  REQUIRE(v2_driver().prepare_ancestors(unified.path(), "srcompose/lab", {}).ok());
  CHECK(std::filesystem::is_directory(unified.path() / "srcompose/lab"));
  CHECK(read_file(unified.path() / "cgroup.subtree_control") == "");
}

TEST_CASE(
    "v2 driver (fake tree): swap without swap accounting is an error only if swap is wanted") {
  test::TempDir root("srcompose-fake-cgroup2");
  make_cgroup_dir(root.path(), {"memory.max"});  // no memory.swap.max
  ResolvedLimits no_swap;
  no_swap.limits.memory = 1 << 20;
  no_swap.limits.memory_swap = 1 << 20;
  CHECK(v2_driver().write_limits(root.path(), {Controller::memory}, no_swap).ok());
  ResolvedLimits some_swap = no_swap;
  some_swap.limits.memory_swap = 2 << 20;
  auto failed = v2_driver().write_limits(root.path(), {Controller::memory}, some_swap);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().to_string() == "write " + (root.path() / "memory.swap.max").string() +
                                          " = 1048576: No such file or directory");
}

TEST_CASE("v1 driver (fake tree, not the kernel): cpusets inherited, every limit file written") {
  test::TempDir root("srcompose-fake-cgroup1");
  const auto cpuset = root.path() / "cpuset";
  const auto memory = root.path() / "memory";
  const auto cpu = root.path() / "cpu";
  const auto pids = root.path() / "pids";
  const auto blkio = root.path() / "blkio";
  for (const char* dir : {"", "/srcompose", "/srcompose/lab", "/srcompose/lab/web"}) {
    make_cgroup_dir(cpuset.string() + dir, {"cpuset.cpus", "cpuset.mems", "cgroup.procs"});
    make_cgroup_dir(memory.string() + dir, {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
                                            "memory.use_hierarchy"});
    make_cgroup_dir(cpu.string() + dir, {"cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us"});
    make_cgroup_dir(pids.string() + dir, {"pids.max"});
    make_cgroup_dir(blkio.string() + dir,
                    {"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
                     "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"});
  }
  write_file(cpuset / "cpuset.cpus", "0-3\n");
  write_file(cpuset / "cpuset.mems", "0\n");

  REQUIRE(v1_driver().prepare_ancestors(cpuset, "srcompose/lab", {Controller::cpuset}).ok());
  CHECK(read_file(cpuset / "srcompose/cpuset.cpus") == "0-3");
  CHECK(read_file(cpuset / "srcompose/lab/cpuset.mems") == "0");
  REQUIRE(v1_driver().prepare_ancestors(memory, "srcompose/lab", {Controller::memory}).ok());
  CHECK(read_file(memory / "srcompose/lab/memory.use_hierarchy") == "1");

  auto limits = every_limit();
  limits.limits.cpuset_mems.reset();  // inherited from the parent instead
  auto write = [&](const std::filesystem::path& mount, Controller controller) {
    auto status = v1_driver().write_limits(mount / "srcompose/lab/web", {controller}, limits);
    REQUIRE_MESSAGE(status.ok(), status.error().to_string());
  };
  write(cpuset, Controller::cpuset);
  write(memory, Controller::memory);
  write(cpu, Controller::cpu);
  write(pids, Controller::pids);
  write(blkio, Controller::io);
  CHECK(read_file(cpuset / "srcompose/lab/web/cpuset.cpus") == "0-1");
  CHECK(read_file(cpuset / "srcompose/lab/web/cpuset.mems") == "0");
  CHECK(read_file(memory / "srcompose/lab/web/memory.limit_in_bytes") == "67108864");
  CHECK(read_file(memory / "srcompose/lab/web/memory.memsw.limit_in_bytes") == "100663296");
  CHECK(read_file(cpu / "srcompose/lab/web/cpu.shares") == "10240");
  CHECK(read_file(cpu / "srcompose/lab/web/cpu.cfs_period_us") == "100000");
  CHECK(read_file(cpu / "srcompose/lab/web/cpu.cfs_quota_us") == "50000");
  CHECK(read_file(pids / "srcompose/lab/web/pids.max") == "32");
  CHECK(read_file(blkio / "srcompose/lab/web/blkio.throttle.read_bps_device") == "254:0 1048576");
  CHECK(read_file(blkio / "srcompose/lab/web/blkio.throttle.write_bps_device") == "254:0 2097152");
  CHECK(read_file(blkio / "srcompose/lab/web/blkio.throttle.read_iops_device") == "254:0 100");
  CHECK(read_file(blkio / "srcompose/lab/web/blkio.throttle.write_iops_device") == "254:0 200");
}

TEST_CASE("v1 driver (fake tree): errors name the file and the value") {
  test::TempDir root("srcompose-fake-cgroup1");
  make_cgroup_dir(root.path(), {"memory.limit_in_bytes"});  // no memsw: swap accounting off
  ResolvedLimits limits;
  limits.limits.memory = 64 << 20;
  limits.limits.memory_swap = 64 << 20;  // no swap wanted: fine without memsw
  CHECK(v1_driver().write_limits(root.path(), {Controller::memory}, limits).ok());
  limits.limits.memory_swap = 128 << 20;
  auto failed = v1_driver().write_limits(root.path(), {Controller::memory}, limits);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().to_string() == "write " +
                                          (root.path() / "memory.memsw.limit_in_bytes").string() +
                                          " = 134217728: No such file or directory");
  std::filesystem::remove(root.path() / "memory.limit_in_bytes");
  auto missing = v1_driver().write_limits(root.path(), {Controller::memory}, limits);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().to_string() == "write " + (root.path() / "memory.limit_in_bytes").string() +
                                           " = 67108864: No such file or directory");
}

TEST_CASE("remove_tree removes nested directories children first") {
  test::TempDir root("srcompose-fake-cgroup");
  std::filesystem::create_directories(root.path() / "a/b/c");
  std::filesystem::create_directories(root.path() / "a/d");
  REQUIRE(remove_tree(root.path() / "a").ok());
  CHECK_FALSE(std::filesystem::exists(root.path() / "a"));
  CHECK(remove_tree(root.path() / "a").ok());  // already gone: fine
}

TEST_CASE("drivers (fake tree): kill, thaw, population and devices differ only behind the driver") {
  test::TempDir root("srcompose-fake-cgroup");
  const auto dir = root.path();
  // v2: cgroup.kill is one write; a kernel without it (ENOENT) leaves the kill to the caller.
  auto no_kill_file = v2_driver().kill_subtree(dir);
  REQUIRE(no_kill_file.ok());
  CHECK_FALSE(*no_kill_file);
  write_file(dir / "cgroup.kill", "");
  auto killed = v2_driver().kill_subtree(dir);
  REQUIRE(killed.ok());
  CHECK(*killed);
  CHECK(read_file(dir / "cgroup.kill") == "1");
  // v1 never kills a subtree in one step.
  auto v1_killed = v1_driver().kill_subtree(dir);
  REQUIRE(v1_killed.ok());
  CHECK_FALSE(*v1_killed);

  // v1 thaws only a frozen freezer (a write to a thawed one would be noise on every stop).
  write_file(dir / "freezer.state", "THAWED\n");
  CHECK(v1_driver().let_frozen_die(dir).ok());
  CHECK(read_file(dir / "freezer.state") == "THAWED\n");
  write_file(dir / "freezer.state", "FROZEN\n");
  CHECK(v1_driver().let_frozen_die(dir).ok());
  CHECK(read_file(dir / "freezer.state") == "THAWED");

  // Population: v2 from cgroup.events, v1 from every cgroup.procs below.
  write_file(dir / "cgroup.events", "populated 1\nfrozen 0\n");
  CHECK(*v2_driver().populated(dir));
  write_file(dir / "cgroup.events", "populated 0\nfrozen 0\n");
  CHECK_FALSE(*v2_driver().populated(dir));
  CHECK(v2_driver().tracks_population());
  CHECK_FALSE(v1_driver().tracks_population());
  make_cgroup_dir(dir / "child", {"cgroup.procs"});
  write_file(dir / "cgroup.procs", "");
  CHECK_FALSE(*v1_driver().populated(dir));
  write_file(dir / "child/cgroup.procs", "4242\n");
  CHECK(*v1_driver().populated(dir));

  // Devices: a v1 hierarchy without the devices controller cannot hold the list.
  auto skipped = v1_driver().restrict_devices({CgroupVersion::v1, {Controller::memory}, dir},
                                              default_device_rules());
  REQUIRE(skipped.ok());
  CHECK_FALSE(*skipped);
  write_file(dir / "devices.deny", "");
  write_file(dir / "devices.allow", "");
  auto restricted = v1_driver().restrict_devices({CgroupVersion::v1, {Controller::devices}, dir},
                                                 default_device_rules());
  REQUIRE(restricted.ok());
  CHECK(*restricted);
  CHECK(read_file(dir / "devices.deny") == "a");
}

TEST_CASE("v2 wait_until_empty returns at once on a fake unpopulated cgroup and at the deadline") {
  test::TempDir root("srcompose-fake-cgroup");
  write_file(root.path() / "cgroup.events", "populated 0\nfrozen 0\n");
  auto start = std::chrono::steady_clock::now();
  CHECK(v2_driver().wait_until_empty(root.path(), start + std::chrono::seconds(10)).ok());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // Still populated: the deadline ends the wait (a regular file never signals POLLPRI).
  write_file(root.path() / "cgroup.events", "populated 1\nfrozen 0\n");
  start = std::chrono::steady_clock::now();
  CHECK(v2_driver().wait_until_empty(root.path(), start + std::chrono::milliseconds(50)).ok());
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(50));
}

TEST_CASE("v2 set_frozen (fake tree): writes cgroup.freeze, then waits for cgroup.events' frozen") {
  test::TempDir root("srcompose-fake-cgroup");
  write_file(root.path() / "cgroup.freeze", "");
  write_file(root.path() / "cgroup.events", "populated 1\nfrozen 1\n");
  CHECK(v2_driver().set_frozen(root.path(), true).ok());
  CHECK(read_file(root.path() / "cgroup.freeze") == "1");
  // The fake kernel never thaws: the wait ends at its bound, with the file in the error.
  auto stuck = v2_driver().set_frozen(root.path(), false);
  REQUIRE_FALSE(stuck.ok());
  CHECK(stuck.error().to_string().find("cgroup.events frozen 0") != std::string::npos);
  CHECK(read_file(root.path() / "cgroup.freeze") == "0");
}
