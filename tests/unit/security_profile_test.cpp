// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>
#include <linux/capability.h>
#include <linux/sched.h>

#include <algorithm>
#include <cerrno>

#include "plan/security.hpp"
#include "security/capability_names.hpp"
#include "security/seccomp_profile.hpp"

using namespace srcompose;
using security::SeccompAction;
using security::SeccompArgument;

namespace {

// The rules naming `syscall`, in order.
std::vector<security::SeccompRule> rules_for(const security::SeccompProfile& profile,
                                             std::string_view syscall) {
  std::vector<security::SeccompRule> found;
  for (const auto& rule : profile.rules) {
    if (std::find(rule.names.begin(), rule.names.end(), syscall) != rule.names.end()) {
      found.push_back(rule);
    }
  }
  return found;
}

bool denied_outright(const security::SeccompProfile& profile, std::string_view syscall,
                     int errno_value = EPERM) {
  for (const auto& rule : rules_for(profile, syscall)) {
    if (rule.action == SeccompAction::errno_return && rule.errno_value == errno_value &&
        rule.arguments.empty()) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("default profile: always-denied syscalls, whatever the capabilities") {
  for (uint64_t capabilities : {security::default_capabilities(), ~uint64_t{0}}) {
    auto profile = security::default_seccomp_profile(capabilities);
    CHECK(profile.default_action == SeccompAction::allow);
    for (const char* name : {"keyctl", "add_key", "request_key", "userfaultfd", "io_uring_setup",
                             "io_uring_enter", "io_uring_register", "kexec_load", "kexec_file_load",
                             "init_module", "finit_module", "delete_module", "open_by_handle_at"}) {
      CAPTURE(name);
      CHECK(denied_outright(profile, name));
    }
    CHECK(denied_outright(profile, "clone3", ENOSYS));
    CHECK(rules_for(profile, "ptrace").empty());
  }
}

TEST_CASE("default profile without CAP_SYS_ADMIN: no mounts, no namespaces") {
  auto profile = security::default_seccomp_profile(security::default_capabilities());
  for (const char* name :
       {"mount", "umount2", "pivot_root", "setns", "unshare", "fsopen", "fsmount", "move_mount",
        "open_tree", "mount_setattr", "swapon", "swapoff", "reboot", "acct", "settimeofday",
        "clock_settime", "bpf", "perf_event_open"}) {
    CAPTURE(name);
    CHECK(denied_outright(profile, name));
  }
  auto clone_rules = rules_for(profile, "clone");
  CHECK(clone_rules.size() == 7);  // one per CLONE_NEW* flag
  bool user_flag = std::any_of(clone_rules.begin(), clone_rules.end(), [](const auto& rule) {
    return rule.arguments.size() == 1 && rule.arguments[0].index == 0 &&
           rule.arguments[0].op == SeccompArgument::Op::masked_equal &&
           rule.arguments[0].value == CLONE_NEWUSER && rule.arguments[0].value_two == CLONE_NEWUSER;
  });
  CHECK(user_flag);
}

TEST_CASE("default profile with CAP_SYS_ADMIN / SYS_TIME / BPF lifts only what they cover") {
  uint64_t capabilities = security::default_capabilities() | uint64_t{1} << CAP_SYS_ADMIN |
                          uint64_t{1} << CAP_SYS_TIME | uint64_t{1} << CAP_BPF;
  auto profile = security::default_seccomp_profile(capabilities);
  CHECK(rules_for(profile, "mount").empty());
  CHECK(rules_for(profile, "settimeofday").empty());
  CHECK(rules_for(profile, "bpf").empty());
  CHECK(denied_outright(profile, "reboot"));  // no CAP_SYS_BOOT
  // Nested user namespaces stay forbidden: only the CLONE_NEWUSER bit is checked.
  auto unshare_rules = rules_for(profile, "unshare");
  REQUIRE(unshare_rules.size() == 1);
  REQUIRE(unshare_rules[0].arguments.size() == 1);
  CHECK(unshare_rules[0].arguments[0].value == CLONE_NEWUSER);
  CHECK(rules_for(profile, "clone").size() == 1);
}

TEST_CASE("a Docker-style JSON profile is parsed") {
  constexpr std::string_view json = R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 38,
    "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
    "syscalls": [
      {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW", "args": []},
      {"name": "getppid", "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "comment": "\"quoted\" \u0041"},
      {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["s390_pci_mmio_read"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["s390x"]}},
      {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
      {"names": ["syslog"], "action": "SCMP_ACT_KILL_PROCESS", "excludes": {"caps": ["CAP_SYSLOG"]}},
      {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}}
    ]
  })";
  auto profile = security::parse_seccomp_profile(json, security::default_capabilities());
  REQUIRE_MESSAGE(profile.ok(), profile.error().to_string());
  CHECK(profile->default_action == SeccompAction::errno_return);
  CHECK(profile->default_errno == 38);
  // mount (needs SYS_ADMIN) and the s390 entry are dropped.
  REQUIRE(profile->rules.size() == 6);
  CHECK(profile->rules[0].names == std::vector<std::string>{"read", "write", "exit_group"});
  CHECK(profile->rules[0].action == SeccompAction::allow);
  CHECK(profile->rules[1].names == std::vector<std::string>{"getppid"});
  CHECK(profile->rules[1].errno_value == 13);
  REQUIRE(profile->rules[2].arguments.size() == 1);
  CHECK(profile->rules[2].arguments[0].value == 2114060288u);
  CHECK(profile->rules[2].arguments[0].op == SeccompArgument::Op::masked_equal);
  CHECK(profile->rules[3].names == std::vector<std::string>{"arch_prctl"});
  CHECK(profile->rules[4].action == SeccompAction::kill_process);
  CHECK(profile->rules[5].names == std::vector<std::string>{"ptrace"});

  auto with_admin = security::parse_seccomp_profile(json, security::default_capabilities() |
                                                              uint64_t{1} << CAP_SYS_ADMIN |
                                                              uint64_t{1} << CAP_SYSLOG);
  REQUIRE(with_admin.ok());
  CHECK(with_admin->rules.size() == 6);  // mount in, syslog out
  CHECK(with_admin->rules[3].names == std::vector<std::string>{"mount"});
}

TEST_CASE("bad JSON profiles are refused with a position or the entry") {
  auto error_of = [](std::string_view json) {
    auto profile = security::parse_seccomp_profile(json, 0);
    REQUIRE_FALSE(profile.ok());
    return profile.error().to_string();
  };
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW",)").find("line 1") != std::string::npos);
  CHECK(error_of("{\n  \"defaultAction\": SCMP\n}").find("line 2 column 20") != std::string::npos);
  CHECK(error_of(R"({"syscalls": []})").find("defaultAction") != std::string::npos);
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_NOTIFY"})").find("unsupported") !=
        std::string::npos);
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"],
      "action": "SCMP_ACT_TRACE"}]})")
            .find("syscalls[0]") != std::string::npos);
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"],
      "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})")
            .find("index") != std::string::npos);
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW"} trailing)").find("trailing") !=
        std::string::npos);
  std::string deep(1000, '[');
  CHECK(error_of(deep).find("nested too deeply") != std::string::npos);
}

TEST_CASE("an empty-syscalls profile is just a default action") {
  auto profile = security::parse_seccomp_profile(R"({"defaultAction":"SCMP_ACT_LOG"})", 0);
  REQUIRE(profile.ok());
  CHECK(profile->default_action == SeccompAction::log);
  CHECK(profile->rules.empty());
}
