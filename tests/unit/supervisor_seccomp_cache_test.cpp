// SPDX-License-Identifier: GPL-2.0-or-later
// SeccompCache (issue 16): containers of one security plan share one compiled filter; a plan that
// differs in anything the filter depends on gets its own. Compiling needs no root.
#include <doctest/doctest.h>

#include <cstring>

#include "security/seccomp.hpp"
#include "supervisor/baked_seccomp.hpp"
#include "supervisor/seccomp_cache.hpp"

using namespace srcompose;

namespace {

plan::SecurityPlan security_of(std::vector<std::string> cap_add,
                               spec::SeccompMode mode = spec::SeccompMode::default_profile) {
  spec::Lab lab;
  spec::Container container;
  container.cap_add = std::move(cap_add);
  container.seccomp = mode;
  return plan::plan_security(lab, container);
}

}  // namespace

TEST_CASE("the seccomp cache compiles each distinct plan once and shares the program") {
  supervisor::SeccompCache cache;
  plan::SecurityPlan plan = security_of({});
  auto first = cache.get(plan);
  auto second = cache.get(plan);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK_FALSE((*first)->empty());
  CHECK(first->get() == second->get());

  // The default profile allows some calls by capability: more capabilities, another program.
  plan::SecurityPlan more = security_of({"SYS_ADMIN"});
  auto other = cache.get(more);
  REQUIRE(other.ok());
  CHECK(other->get() != first->get());
  const auto& a = (*other)->program;
  const auto& b = (*first)->program;
  CHECK((a.size() != b.size() ||
         std::memcmp(a.data(), b.data(), a.size() * sizeof(sock_filter)) != 0));

  auto none = cache.get(security_of({}, spec::SeccompMode::unconfined));
  REQUIRE(none.ok());
  CHECK((*none)->empty());
}

// The default profile was compiled when srcompose was built (supervisor/baked_seccomp.hpp): the
// program baked then must be what libseccomp makes of the same profile now, on this kernel, and
// the cache must hand it out for a default plan and nothing else. An empty baked program (the
// build could not compile it) fails here: CI must test the baked path.
TEST_CASE("the baked default filter is what compiling the default profile gives, and is used") {
  const auto baked = supervisor::baked_default_filter();
  REQUIRE_FALSE(baked.empty());
  auto compiled = security::compile_profile(supervisor::baked_default_profile());
  REQUIRE(compiled.ok());
  REQUIRE(compiled->program.size() == baked.size());
  CHECK(std::memcmp(compiled->program.data(), baked.data(), baked.size() * sizeof(sock_filter)) ==
        0);

  supervisor::SeccompCache cache;
  auto default_plan = cache.get(security_of({}));
  REQUIRE(default_plan.ok());
  const auto& program = (*default_plan)->program;
  REQUIRE(program.size() == baked.size());
  CHECK(std::memcmp(program.data(), baked.data(), baked.size() * sizeof(sock_filter)) == 0);

  // Other capabilities, other rules: compiled at run time, another program.
  auto with_admin = cache.get(security_of({"SYS_ADMIN"}));
  REQUIRE(with_admin.ok());
  CHECK((*with_admin)->program.size() != 0);
  CHECK(((*with_admin)->program.size() != baked.size() ||
         std::memcmp((*with_admin)->program.data(), baked.data(),
                     baked.size() * sizeof(sock_filter)) != 0));
}
