#include <doctest/doctest.h>
#include <linux/capability.h>

#include "plan/security.hpp"

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
  CHECK(plan::default_capabilities() ==
        caps({CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_NET_BIND_SERVICE,
              CAP_SETFCAP, CAP_SETGID, CAP_SETPCAP, CAP_SETUID, CAP_SYS_CHROOT}));
  CHECK(__builtin_popcountll(plan::default_capabilities()) == 11);
}

TEST_CASE("capability names map to the kernel's numbers, both ways, over the whole list") {
  CHECK(plan::capability_number("NET_ADMIN") == CAP_NET_ADMIN);
  CHECK(plan::capability_number("cap_net_admin") == CAP_NET_ADMIN);
  CHECK(plan::capability_number("CAP_SYS_ADMIN") == CAP_SYS_ADMIN);
  CHECK(plan::capability_number("CHOWN") == 0u);
  CHECK(plan::capability_number("CHECKPOINT_RESTORE") == 40u);
  CHECK(plan::capability_number("BPF") == CAP_BPF);
  CHECK(plan::capability_number("PERFMON") == CAP_PERFMON);
  CHECK_FALSE(plan::capability_number("NET_ADMINX").has_value());
  CHECK_FALSE(plan::capability_number("CAP_").has_value());
  CHECK_FALSE(plan::capability_number("").has_value());
  CHECK_FALSE(plan::capability_number("ALL").has_value());
  CHECK(plan::capability_name(CAP_NET_ADMIN) == "NET_ADMIN");
  CHECK(plan::capability_name(40) == "CHECKPOINT_RESTORE");
  CHECK(plan::capability_name(41).empty());
  for (unsigned number = 0; number <= CAP_LAST_CAP; ++number) {
    CAPTURE(number);
    CHECK(plan::capability_number(plan::capability_name(number)) == number);
  }
}

TEST_CASE("plan_security: default + cap_add - cap_drop") {
  spec::Lab lab;
  SUBCASE("nothing asked: the default set, no_new_privs, default seccomp") {
    auto plan = plan::plan_security(lab, container_with({}, {}));
    CHECK(plan.capabilities == plan::default_capabilities());
    CHECK(plan.no_new_privs);
    CHECK(plan.seccomp == spec::SeccompMode::default_profile);
    CHECK(plan.seccomp_profile.empty());
  }
  SUBCASE("add and drop single capabilities") {
    auto plan = plan::plan_security(lab, container_with({"NET_ADMIN", "SYS_TIME"}, {"CHOWN"}));
    CHECK(plan.capabilities ==
          ((plan::default_capabilities() | caps({CAP_NET_ADMIN, CAP_SYS_TIME})) &
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
