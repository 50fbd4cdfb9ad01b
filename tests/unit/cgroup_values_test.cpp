// SPDX-License-Identifier: GPL-2.0-or-later
// Pure conversions and parsers of the cgroup module, and the plan's paths.
#include <doctest/doctest.h>
#include <unistd.h>

#include <initializer_list>

#include "cgroup/files.hpp"
#include "cgroup/values.hpp"
#include "plan/cgroup.hpp"
#include "spec/values.hpp"
#include "test_support.hpp"

using namespace srcompose;
using namespace srcompose::cgroup;

TEST_CASE("cpu weight <-> shares by proportion: weight 100 is v1's default 1024 shares") {
  CHECK(cpu_weight_to_shares(100) == 1024);  // no weight and weight 100 split a core 1:1
  CHECK(cpu_weight_to_shares(1) == 10);
  CHECK(cpu_weight_to_shares(50) == 512);
  CHECK(cpu_weight_to_shares(1000) == 10240);
  CHECK(cpu_weight_to_shares(10000) == 102400);
  CHECK(cpu_shares_to_weight(1024) == 100);
  CHECK(cpu_shares_to_weight(2) == 1);
  CHECK(cpu_shares_to_weight(262144) == 10000);
  for (uint64_t weight : std::initializer_list<uint64_t>{1, 3, 50, 100, 333, 1000, 9999, 10000}) {
    CAPTURE(weight);
    CHECK(cpu_shares_to_weight(cpu_weight_to_shares(weight)) == weight);
  }
  // Ratios are kept: 200 against 100 is 2:1 in shares too.
  CHECK(cpu_weight_to_shares(200) == 2 * cpu_weight_to_shares(100));
}

TEST_CASE("cpus become a CFS quota per 100 ms period, at least the kernel's 1 ms") {
  CHECK(cpus_to_quota_usec(0.5) == 50'000);
  CHECK(cpus_to_quota_usec(1.5) == 150'000);
  CHECK(cpus_to_quota_usec(2) == 200'000);
  CHECK(cpus_to_quota_usec(0.001) == 1000);
}

TEST_CASE("CPU and node lists parse like the kernel writes them") {
  auto ids = spec::parse_cpu_list("0-2,5\n");
  REQUIRE(ids.ok());
  CHECK(*ids == std::vector<unsigned>{0, 1, 2, 5});
  auto unsorted = spec::parse_cpu_list("3,1,1");
  REQUIRE(unsorted.ok());
  CHECK(*unsorted == std::vector<unsigned>{1, 3});
  CHECK(spec::parse_cpu_list("")->empty());
  CHECK_FALSE(spec::parse_cpu_list("2-1").ok());
  CHECK_FALSE(spec::parse_cpu_list("a").ok());
  CHECK_FALSE(spec::parse_cpu_list("1,,2").ok());
  CHECK(spec::parse_cpu_list("0-x").error().to_string() == "bad list element \"0-x\" in \"0-x\"");
}

TEST_CASE("io.max lines carry only the keys that are set") {
  IoThrottle all{254, 0, 1048576, 2097152, 100, 200};
  CHECK(format_io_max(all) == "254:0 rbps=1048576 wbps=2097152 riops=100 wiops=200");
  IoThrottle one{8, 16, std::nullopt, 4096, std::nullopt, std::nullopt};
  CHECK(format_io_max(one) == "8:16 wbps=4096");
}

TEST_CASE("a partition maps to its whole disk through /sys/dev/block (fake sysfs)") {
  test::TempDir sys("srcompose-fake-sysfs");
  auto devices = sys.path() / "devices" / "vda";
  std::filesystem::create_directories(devices / "vda1");
  test::write_file(devices / "dev", "254:0\n");
  test::write_file(devices / "vda1" / "dev", "254:1\n");
  test::write_file(devices / "vda1" / "partition", "1\n");
  auto block = sys.path() / "dev" / "block";
  std::filesystem::create_directories(block);
  std::filesystem::create_directory_symlink("../../devices/vda", block / "254:0");
  std::filesystem::create_directory_symlink("../../devices/vda/vda1", block / "254:1");

  auto disk = whole_disk(254, 1, block);
  REQUIRE_MESSAGE(disk.ok(), disk.error().to_string());
  CHECK(*disk == std::pair<unsigned, unsigned>{254, 0});
  auto itself = whole_disk(254, 0, block);
  REQUIRE(itself.ok());
  CHECK(*itself == std::pair<unsigned, unsigned>{254, 0});
  CHECK_FALSE(whole_disk(9, 9, block).ok());
}

TEST_CASE("io limits on something that is not a block device are refused with key and device") {
  spec::Limits limits;
  limits.io_write_bps.push_back({"/dev/null", 1024});
  auto resolved = resolve_io_throttles(limits, "/");
  REQUIRE_FALSE(resolved.ok());
  CHECK(resolved.error().to_string() ==
        "limits.io_write_bps /dev/null: /dev/null is not a block device");

  spec::Limits missing;
  missing.io_read_iops.push_back({"/dev/no-such-disk", 10});
  auto not_found = resolve_io_throttles(missing, "/");
  REQUIRE_FALSE(not_found.ok());
  CHECK(not_found.error().error_number() == ENOENT);

  spec::Limits on_proc;
  on_proc.io_read_bps.push_back({"rootfs", 10});
  auto virtual_fs = resolve_io_throttles(on_proc, "/proc");  // procfs: an anonymous device
  REQUIRE_FALSE(virtual_fs.ok());
  CHECK(virtual_fs.error().to_string().find("is not on a block device") != std::string::npos);
}

TEST_CASE("flat-keyed, io.stat and blkio rwstat files parse to sums") {
  auto events = parse_flat_keyed("low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\n");
  CHECK(events["oom_kill"] == 1);
  CHECK(events["max"] == 12);
  auto io = parse_v2_io_stat(
      "254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
      "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n");
  CHECK(io.read_bytes == 4097);
  CHECK(io.write_bytes == 8194);
  CHECK(io.read_ops == 4);
  CHECK(io.write_ops == 6);
  auto rw = parse_v1_blkio_rwstat(
      "254:0 Read 3145728\n254:0 Write 1024\n254:0 Sync 0\n254:0 Async 0\n254:0 Discard 0\n"
      "254:0 Total 3146752\n7:0 Read 1\n7:0 Write 2\nTotal 3146755\n");
  CHECK(rw.read == 3145729);
  CHECK(rw.write == 1026);
}

TEST_CASE("plan_cgroup names the container's cgroup after project and container") {
  spec::Lab lab;
  lab.name = "lab";
  spec::Container web;
  web.name = "web";
  web.limits.memory = 64 << 20;
  auto plan = plan::plan_cgroup(lab, web);
  CHECK(plan.path == "srcompose/lab/web");
  CHECK(plan.project_path == "srcompose/lab");
  CHECK(plan.limits.memory == uint64_t{64 << 20});
}
