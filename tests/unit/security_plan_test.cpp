// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>
#include <linux/capability.h>

#include "plan/security.hpp"
#include "security/capability_names.hpp"
#include "spec/load.hpp"
#include "test_support.hpp"

using namespace srcompose;

namespace {

uint64_t caps(std::initializer_list<unsigned> numbers) {
  uint64_t set = 0;
  for (unsigned number : numbers)
    set |= uint64_t{1} << number;
  return set;
}

spec::Container container_with(std::vector<std::string> add, std::vector<std::string> drop) {
  spec::Container container;
  container.name = "web";
  container.cap_add = std::move(add);
  container.cap_drop = std::move(drop);
  return container;
}

}  // namespace

TEST_CASE("the default capability set is Podman's eleven") {
  CHECK(security::default_capabilities() ==
        caps({CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_NET_BIND_SERVICE,
              CAP_SETFCAP, CAP_SETGID, CAP_SETPCAP, CAP_SETUID, CAP_SYS_CHROOT}));
  CHECK(__builtin_popcountll(security::default_capabilities()) == 11);
}

TEST_CASE("capability names map to the kernel's numbers, both ways, over the whole list") {
  CHECK(security::capability_number("NET_ADMIN") == CAP_NET_ADMIN);
  CHECK(security::capability_number("cap_net_admin") == CAP_NET_ADMIN);
  CHECK(security::capability_number("CAP_SYS_ADMIN") == CAP_SYS_ADMIN);
  CHECK(security::capability_number("CHOWN") == 0u);
  CHECK(security::capability_number("CHECKPOINT_RESTORE") == 40u);
  CHECK(security::capability_number("BPF") == CAP_BPF);
  CHECK(security::capability_number("PERFMON") == CAP_PERFMON);
  CHECK_FALSE(security::capability_number("NET_ADMINX").has_value());
  CHECK_FALSE(security::capability_number("CAP_").has_value());
  CHECK_FALSE(security::capability_number("").has_value());
  CHECK_FALSE(security::capability_number("ALL").has_value());
  CHECK(security::capability_name(CAP_NET_ADMIN) == "NET_ADMIN");
  CHECK(security::capability_name(40) == "CHECKPOINT_RESTORE");
  CHECK(security::capability_name(41).empty());
  for (unsigned number = 0; number <= CAP_LAST_CAP; ++number) {
    CAPTURE(number);
    CHECK(security::capability_number(security::capability_name(number)) == number);
  }
}

TEST_CASE("plan_security: default + cap_add - cap_drop") {
  spec::Lab lab;
  SUBCASE("nothing asked: the default set, no_new_privs, default seccomp") {
    auto plan = plan::plan_security(lab, container_with({}, {}));
    CHECK(plan.capabilities == security::default_capabilities());
    CHECK(plan.no_new_privs);
    CHECK(plan.seccomp == spec::SeccompMode::default_profile);
    CHECK(plan.seccomp_profile.empty());
  }
  SUBCASE("add and drop single capabilities") {
    auto plan = plan::plan_security(lab, container_with({"NET_ADMIN", "SYS_TIME"}, {"CHOWN"}));
    CHECK(plan.capabilities ==
          ((security::default_capabilities() | caps({CAP_NET_ADMIN, CAP_SYS_TIME})) &
           ~caps({CAP_CHOWN})));
  }
  SUBCASE("drop ALL empties the default before adding") {
    auto plan = plan::plan_security(lab, container_with({"NET_BIND_SERVICE"}, {"ALL"}));
    CHECK(plan.capabilities == caps({CAP_NET_BIND_SERVICE}));
  }
  SUBCASE("drop ALL alone leaves nothing") {
    CHECK(plan::plan_security(lab, container_with({}, {"ALL"})).capabilities == 0);
  }
  SUBCASE("add ALL gives every capability the kernel list has, minus named drops") {
    auto plan = plan::plan_security(lab, container_with({"ALL"}, {"SYS_MODULE"}));
    CHECK(plan.capabilities == (((uint64_t{1} << 41) - 1) & ~caps({CAP_SYS_MODULE})));
  }
  SUBCASE("a profile file is carried with its path") {
    auto container = container_with({}, {});
    container.seccomp = spec::SeccompMode::profile_file;
    container.seccomp_profile = "/labs/p.json";
    auto plan = plan::plan_security(lab, container);
    CHECK(plan.seccomp == spec::SeccompMode::profile_file);
    CHECK(plan.seccomp_profile == "/labs/p.json");
  }
  SUBCASE("unconfined") {
    auto container = container_with({}, {});
    container.seccomp = spec::SeccompMode::unconfined;
    CHECK(plan::plan_security(lab, container).seccomp == spec::SeccompMode::unconfined);
  }
}

TEST_CASE(
    "a seccomp profile file is read and checked by the loader, its rules selected by the plan") {
  test::TempDir directory("srcompose-seccomp-plan");
  test::write_file(directory.path() / "admin.json", R"({"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["reboot"], "action": "SCMP_ACT_ERRNO"}]})");
  // Only with CAP_SYS_ADMIN and without CAP_CHOWN: a profile read for no capabilities and for all
  // would never see this entry's error. The loader reads every entry.
  test::write_file(directory.path() / "hidden.json", R"({"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_BOGUS",
                  "includes": {"caps": ["CAP_SYS_ADMIN"]}, "excludes": {"caps": ["CAP_CHOWN"]}}]})");
  test::write_file(directory.path() / "text.json", "not json");
  auto load = [&](std::string_view profile, std::string_view extra = "") {
    spec::LoadOptions options;
    options.host_cpu_count = 2;
    return spec::load_lab_text(
        "[containers.web]\nseccomp = \"" + std::string(profile) + "\"\n" + std::string(extra),
        directory.path() / "lab.toml", options);
  };
  auto loaded = load("admin.json");
  REQUIRE(loaded.lab.has_value());
  auto plain = plan::plan_security(*loaded.lab, loaded.lab->containers[0]);
  REQUIRE(plain.seccomp_rules->rules.size() == 2);  // without SYS_ADMIN, mount is refused
  auto admin = load("admin.json", "cap_add = [\"SYS_ADMIN\"]\n");
  REQUIRE(admin.lab.has_value());
  auto with_admin = plan::plan_security(*admin.lab, admin.lab->containers[0]);
  REQUIRE(with_admin.seccomp_rules->rules.size() == 1);
  CHECK(with_admin.seccomp_rules->rules[0].names == std::vector<std::string>{"reboot"});
  CHECK(with_admin.seccomp_profile == directory.path() / "admin.json");

  for (const char* bad : {"hidden.json", "text.json"}) {
    CAPTURE(bad);
    auto refused = load(bad);
    CHECK_FALSE(refused.lab.has_value());
    REQUIRE(refused.diagnostics.size() == 1);
    CHECK(refused.diagnostics[0].location.line == 2);
    CHECK(refused.diagnostics[0].key_path == "containers.web.seccomp");
    CHECK(refused.diagnostics[0].message.find((directory.path() / bad).string()) !=
          std::string::npos);
  }
}

TEST_CASE("the default seccomp profile is planned for the container's capabilities") {
  spec::Lab lab;
  auto plain = plan::plan_security(lab, container_with({}, {}));
  auto admin = plan::plan_security(lab, container_with({"SYS_ADMIN"}, {}));
  auto denies = [](const plan::SecurityPlan& plan, std::string_view name) {
    for (const auto& rule : plan.seccomp_rules->rules) {
      for (const auto& each : rule.names) {
        if (each == name) return true;
      }
    }
    return false;
  };
  CHECK(denies(plain, "bpf"));  // bpf only for a container given CAP_BPF or CAP_SYS_ADMIN
  CHECK_FALSE(denies(admin, "bpf"));
  spec::Container unconfined = container_with({}, {});
  unconfined.seccomp = spec::SeccompMode::unconfined;
  CHECK(plan::plan_security(lab, unconfined).seccomp_rules->rules.empty());
}
