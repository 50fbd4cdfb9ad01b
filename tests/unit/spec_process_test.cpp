// SPDX-License-Identifier: GPL-2.0-or-later
// ulimits, sysctls, the grading time limits, limits.disk and idmapped mounts of the lab file.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <algorithm>

#include "plan/process.hpp"
#include "plan/rootfs.hpp"
#include "spec/emit.hpp"
#include "spec/load.hpp"

using namespace srcompose;
using namespace std::chrono_literals;

namespace {

spec::LoadResult load(const std::string& container_keys) {
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  return spec::load_lab_text("name = \"p\"\n[containers.c]\n" + container_keys,
                             "/tmp/srcompose-spec-process/lab.toml", options);
}

}  // namespace

TEST_CASE("ulimits: N, \"soft:hard\" and unlimited, sorted by name; sysctls over the defaults") {
  auto result = load(
      "ulimits = { nofile = \"512:1024\", core = 0, stack = \"unlimited\" }\n"
      "sysctls = { \"net.ipv4.ip_default_ttl\" = 42, \"kernel.msgmax\" = \"12345\" }\n"
      "limits = { cpu_time = \"2s\", wall_time = \"1m\" }\n");
  REQUIRE(result.lab.has_value());
  const auto& container = result.lab->containers.front();
  REQUIRE(container.ulimits.size() == 3);
  CHECK(container.ulimits[0] == spec::Ulimit{"core", RLIMIT_CORE, 0, 0});
  CHECK(container.ulimits[1] == spec::Ulimit{"nofile", RLIMIT_NOFILE, 512, 1024});
  CHECK(container.ulimits[2] == spec::Ulimit{"stack", RLIMIT_STACK, UINT64_MAX, UINT64_MAX});
  CHECK(container.limits.cpu_time == 2000ms);
  CHECK(container.limits.wall_time == 60'000ms);
  auto process = plan::plan_process(*result.lab, container);
  CHECK(process.sysctls == std::vector<std::pair<std::string, std::string>>{
                               {"kernel.msgmax", "12345"},
                               {"net.ipv4.ip_default_ttl", "42"},
                               {"net.ipv4.ping_group_range", "0 2147483647"}});
  auto own = load("sysctls = { \"net.ipv4.ping_group_range\" = \"1 0\" }\n");
  REQUIRE(own.lab.has_value());
  CHECK(plan::plan_process(*own.lab, own.lab->containers.front()).sysctls ==
        std::vector<std::pair<std::string, std::string>>{{"net.ipv4.ping_group_range", "1 0"}});
}

TEST_CASE("bad ulimits and host-wide sysctls are refused with their place") {
  auto result = load(
      "ulimits = { nofiles = 1, nproc = \"5:3\", core = \"x\" }\n"
      "sysctls = { \"vm.swappiness\" = 1, \"kernel.hostname\" = \"x\", \"net.ipv4.ok\" = 1 }\n");
  CHECK_FALSE(result.lab.has_value());
  std::string all;
  for (const auto& diagnostic : result.diagnostics)
    all += diagnostic.to_string() + "\n";
  CAPTURE(all);
  CHECK(all.find("lab.toml:3:13: containers.c.ulimits.nofiles: found ulimit \"nofiles\"") !=
        std::string::npos);
  CHECK(all.find("containers.c.ulimits.nproc: found \"5:3\": the soft limit is above the hard") !=
        std::string::npos);
  CHECK(all.find("containers.c.ulimits.core: found \"x\"") != std::string::npos);
  CHECK(all.find("lab.toml:4:13: containers.c.sysctls.\"vm.swappiness\"") != std::string::npos);
  CHECK(all.find("containers.c.sysctls.\"kernel.hostname\"") != std::string::npos);
  CHECK(all.find("net.ipv4.ok") == std::string::npos);
}

TEST_CASE("limits.disk: a size of at least 1M, planned on the layer, printed back by config") {
  auto result = load("limits = { disk = \"64M\" }\n");
  REQUIRE(result.lab.has_value());
  const auto& container = result.lab->containers.front();
  CHECK(container.limits.disk == 64u * 1024 * 1024);
  CHECK(plan::plan_rootfs(*result.lab, container).disk_limit == 64u * 1024 * 1024);
  CHECK(spec::to_toml(*result.lab).find("disk = \"64M\"") != std::string::npos);
  CHECK_FALSE(plan::plan_rootfs(*load("").lab, load("").lab->containers.front()).disk_limit);
}

TEST_CASE("limits.disk is refused below 1M, with persist, and with an io limit on rootfs") {
  auto all_diagnostics = [](const spec::LoadResult& result) {
    std::string all;
    for (const auto& diagnostic : result.diagnostics)
      all += diagnostic.to_string() + "\n";
    return all;
  };
  auto small = load("limits = { disk = \"512K\" }\n");
  CHECK_FALSE(small.lab.has_value());
  CHECK(all_diagnostics(small).find("containers.c.limits.disk: found \"512K\"; expected at least "
                                    "1M") != std::string::npos);
  auto persist = load("persist = true\nlimits = { disk = \"64M\" }\n");
  CHECK_FALSE(persist.lab.has_value());
  CHECK(all_diagnostics(persist).find("lab.toml:3:11: containers.c.persist: found persist = true "
                                      "with limits.disk") != std::string::npos);
  auto io = load("limits = { disk = \"64M\", io_write_bps = { rootfs = \"1M\" } }\n");
  CHECK_FALSE(io.lab.has_value());
  CHECK(all_diagnostics(io).find("containers.c.limits.disk: found disk with an io limit on "
                                 "\"rootfs\"") != std::string::npos);
}

TEST_CASE("mounts: idmap = true on a bind mount is planned; on a tmpfs it is refused") {
  auto result = load("mounts = [{ source = \"/tmp\", target = \"/results\", idmap = true }]\n");
  REQUIRE(result.lab.has_value());
  const auto& container = result.lab->containers.front();
  CHECK(container.mounts.front().idmap);
  auto rootfs = plan::plan_rootfs(*result.lab, container);
  auto bind = std::find_if(rootfs.mounts.begin(), rootfs.mounts.end(),
                           [](const plan::MountStep& step) { return step.target == "/results"; });
  REQUIRE(bind != rootfs.mounts.end());
  CHECK(bind->idmap);
  CHECK(spec::to_toml(*result.lab).find("idmap = true") != std::string::npos);
  auto tmpfs = load("mounts = [{ type = \"tmpfs\", target = \"/t\", idmap = true }]\n");
  CHECK_FALSE(tmpfs.lab.has_value());
  REQUIRE_FALSE(tmpfs.diagnostics.empty());
  CHECK(tmpfs.diagnostics.front().to_string().find(
            "containers.c.mounts[0].idmap: found `idmap` on a tmpfs mount") != std::string::npos);
}
