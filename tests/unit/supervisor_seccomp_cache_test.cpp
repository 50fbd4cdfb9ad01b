// SPDX-License-Identifier: GPL-2.0-or-later
// SeccompCache (issue 16): containers of one security plan share one compiled filter; a plan that
// differs in anything the filter depends on gets its own. Compiling needs no root.
#include <doctest/doctest.h>

#include <cstring>

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
