// ulimits, sysctls and the grading time limits of the lab file.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include "plan/process.hpp"
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
