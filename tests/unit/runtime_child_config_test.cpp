// SPDX-License-Identifier: GPL-2.0-or-later
// make_child_config(plan_lab(...)): what the child will do, decided in the parent, without root.
#include <doctest/doctest.h>

#include <sched.h>
#include <sys/mount.h>

#include <algorithm>
#include <string_view>

#include "plan/lab_plan.hpp"
#include "runtime/child_config.hpp"
#include "runtime/namespaces.hpp"
#include "spec/load.hpp"

using namespace srcompose;

namespace {

plan::LabPlan plan_of(const std::string& text) {
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  auto result = spec::load_lab_text(text, "/tmp/srcompose-child-config/lab.toml", options);
  REQUIRE(result.lab.has_value());
  return plan::plan_lab(*result.lab);  // the plan keeps nothing of the lab
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

TEST_CASE("namespace_flags: clone, the child's unshares and exec's setns come from one set") {
  plan::NamespaceSet set;  // the default: user, mount, pid, uts, ipc, net, cgroup; no time
  auto flags = runtime::namespace_flags(set);
  const uint64_t created =
      CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
  CHECK(flags.clone == created);  // cgroup and time never by clone
  CHECK(flags.child_unshares_cgroup);
  CHECK_FALSE(flags.child_unshares_time);
  CHECK(flags.exec_setns == (created | CLONE_NEWCGROUP));
  CHECK_FALSE(flags.exec_joins_time);

  set.user = false;
  set.time = true;
  flags = runtime::namespace_flags(set);
  CHECK((flags.clone & CLONE_NEWUSER) == 0);
  CHECK((flags.exec_setns & CLONE_NEWUSER) == 0);
  CHECK((flags.clone & CLONE_NEWTIME) == 0);
  CHECK((flags.exec_setns & CLONE_NEWTIME) == 0);
  CHECK(flags.child_unshares_time);
  CHECK(flags.exec_joins_time);
}

TEST_CASE("make_child_config of a lab file: user namespace, hostname, time offsets") {
  auto plan = plan_of(
      "name = \"cc\"\n"
      "[containers.web]\nhostname = \"www\"\ndomainname = \"lab.test\"\n"
      "[containers.hosted]\nidmap = \"host\"\ntime_offsets = { monotonic = 7, boottime = 9 }\n");
  auto layout = cgroup::layout_from_mountinfo(kUnified, "memory pids");
  const auto* web = plan.find("web");
  const auto* hosted = plan.find("hosted");
  REQUIRE(web != nullptr);
  REQUIRE(hosted != nullptr);

  auto web_config = runtime::make_child_config(*web, {}, {}, {}, layout);
  CHECK(web_config.user_namespace);
  CHECK(web_config.cgroup_namespace);
  CHECK(web_config.time_offsets == nullptr);
  REQUIRE(web_config.hostname != nullptr);
  CHECK(std::string_view(web_config.hostname, web_config.hostname_length) == "www");
  CHECK(std::string_view(web_config.domainname, web_config.domainname_length) == "lab.test");
  // Mapped: the container's root is the start of its automatic range on the host.
  REQUIRE(web->userns.uid_map.size() == 1);
  CHECK(web->userns.uid_map[0].inside == 0);
  CHECK(web->userns.uid_map[0].outside >= plan::kAutoIdBase);
  CHECK(web->userns.root_uid_on_host == web->userns.uid_map[0].outside);

  auto hosted_config = runtime::make_child_config(*hosted, {}, {}, {}, layout);
  CHECK_FALSE(hosted_config.user_namespace);  // idmap = "host": no user namespace, no maps
  CHECK(hosted_config.cgroup_namespace);
  REQUIRE(hosted_config.time_offsets != nullptr);
  CHECK(std::string_view(hosted_config.time_offsets, hosted_config.time_offsets_length) ==
        "monotonic 7 0\nboottime 9 0\n");
  CHECK((runtime::namespace_flags(hosted->namespaces).clone & CLONE_NEWUSER) == 0);
}

TEST_CASE("make_child_config of a lab file: proc first, the lab's tmpfs mounts, read-only root") {
  auto plan = plan_of(
      "name = \"cc\"\n"
      "[containers.db]\nread_only = true\n"
      "[[containers.db.mounts]]\ntype = \"tmpfs\"\ntarget = \"/scratch\"\nsize = \"64M\"\n");
  auto layout = cgroup::layout_from_mountinfo(kUnified, "memory pids");
  auto config = runtime::make_child_config(plan.containers[0], {}, {}, {}, layout);
  CHECK(config.read_only_root);
  REQUIRE_FALSE(config.mounts.empty());
  CHECK(std::string_view(config.mounts[0].target) == "proc");
  auto scratch = std::find_if(config.mounts.begin(), config.mounts.end(), [](const auto& op) {
    return std::string_view(op.target) == "scratch";
  });
  REQUIRE(scratch != config.mounts.end());
  CHECK(scratch->kind == runtime::MountOp::Kind::filesystem);
  CHECK(std::string_view(scratch->fs_type) == "tmpfs");
  bool sized = false;
  for (size_t i = 0; i < scratch->options_count; ++i) {
    const auto& option = config.options[scratch->options_begin + i];
    if (std::string_view(option.key) == "size") sized = option.value != nullptr;
  }
  CHECK(sized);
}
