// make_child_config(plan_lab(...)): what the child will do, decided in the parent, without root.
#include <doctest/doctest.h>

#include <sched.h>
#include <sys/mount.h>

#include <algorithm>
#include <string_view>

#include "plan/lab_plan.hpp"
#include "runtime/child_config.hpp"
#include "spec/load.hpp"

using namespace srcompose;

namespace {

plan::LabPlan plan_of(const std::string& text) {
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  auto result = spec::load_lab_text(text, "/tmp/srcompose-child-config/lab.toml", options);
  REQUIRE(result.lab.has_value());
  static std::vector<std::unique_ptr<spec::Lab>> keep;  // the plan points into its lab
  keep.push_back(std::make_unique<spec::Lab>(std::move(*result.lab)));
  return plan::plan_lab(*keep.back());
}

constexpr std::string_view kHybrid =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,xattr,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
constexpr std::string_view kUnified = "30 23 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";

struct Mounted {
  std::string target, type, options, link;
  runtime::MountOp::Kind kind;
};

// The child's operations under sys/fs/cgroup, with their options joined back into one string.
std::vector<Mounted> cgroup_ops(const runtime::ChildConfig& config) {
  std::vector<Mounted> ops;
  for (const auto& op : config.mounts) {
    std::string_view target = op.target;
    if (!target.starts_with("sys/fs/cgroup")) continue;
    std::string options;
    for (size_t i = 0; i < op.options_count; ++i) {
      const auto& option = config.options[op.options_begin + i];
      if (!options.empty()) options += ',';
      options += option.key;
      if (option.value) options += std::string("=") + option.value;
    }
    ops.push_back({std::string(target), op.fs_type ? op.fs_type : "", options,
                   op.link_target ? op.link_target : "", op.kind});
  }
  return ops;
}

}  // namespace

TEST_CASE("make_child_config: a cgroup namespace and cgroup2 read-only on a pure v2 host") {
  auto plan = plan_of("name = \"cc\"\n[containers.web]\n");
  auto layout = cgroup::layout_from_mountinfo(kUnified, "memory pids");
  auto config = runtime::make_child_config(plan.containers[0], {}, {}, {}, layout);
  CHECK(config.cgroup_namespace);
  auto ops = cgroup_ops(config);
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].target == "sys/fs/cgroup");
  CHECK(ops[0].type == "cgroup2");
  CHECK((config.mounts[0].attributes & MOUNT_ATTR_RDONLY) == 0);  // /proc stays writable
  auto cgroup = std::find_if(config.mounts.begin(), config.mounts.end(), [](const auto& op) {
    return std::string_view(op.target) == "sys/fs/cgroup";
  });
  CHECK((cgroup->attributes & MOUNT_ATTR_RDONLY) != 0);
}

TEST_CASE("make_child_config: one cgroupfs per driven hierarchy on a hybrid host, then read-only") {
  auto plan = plan_of("name = \"cc\"\n[containers.web]\n");
  auto layout = cgroup::layout_from_mountinfo(kHybrid, "");
  auto config = runtime::make_child_config(plan.containers[0], {}, {}, {}, layout);
  auto ops = cgroup_ops(config);
  using Kind = runtime::MountOp::Kind;
  // The hierarchies srcompose places containers in, mounted with exactly the host's controller
  // list (the kernel refuses any other in a cgroup namespace); not name=systemd, where the
  // container has no cgroup of its own.
  std::vector<std::string> seen;
  for (const auto& op : ops)
    seen.push_back(op.target + " " + op.type + " " + op.options + " " + op.link);
  CHECK(seen == std::vector<std::string>{
                    "sys/fs/cgroup tmpfs mode=755,size=65536 ",
                    "sys/fs/cgroup/cpu,cpuacct cgroup cpu,cpuacct ",
                    "sys/fs/cgroup/cpu   cpu,cpuacct",
                    "sys/fs/cgroup/cpuacct   cpu,cpuacct",
                    "sys/fs/cgroup/memory cgroup memory ",
                    "sys/fs/cgroup/devices cgroup devices ",
                    "sys/fs/cgroup/pids cgroup xattr,pids ",
                    "sys/fs/cgroup/unified cgroup2  ",
                    "sys/fs/cgroup   ",
                });
  CHECK(ops.back().kind == Kind::readonly);
  for (const auto& op : ops) {
    if (op.type.starts_with("cgroup")) {
      auto it = std::find_if(config.mounts.begin(), config.mounts.end(),
                             [&](const auto& m) { return op.target == m.target; });
      CHECK((it->attributes & MOUNT_ATTR_RDONLY) != 0);
    }
  }
}
