// SeccompCache (issue 16): containers of one security plan share one compiled filter; a plan that
// differs in anything the filter depends on gets its own. Compiling needs no root.
#include <doctest/doctest.h>

#include <cstring>

#include "supervisor/seccomp_cache.hpp"

using namespace srcompose;

TEST_CASE("the seccomp cache compiles each distinct plan once and shares the program") {
  supervisor::SeccompCache cache;
  plan::SecurityPlan plan;
  plan.capabilities = plan::default_capabilities();
  auto first = cache.get(plan);
  auto second = cache.get(plan);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK_FALSE((*first)->empty());
  CHECK(first->get() == second->get());

  // The default profile allows some calls by capability: more capabilities, another program.
  plan::SecurityPlan more = plan;
  more.capabilities |= uint64_t{1} << *plan::capability_number("SYS_ADMIN");
  auto other = cache.get(more);
  REQUIRE(other.ok());
  CHECK(other->get() != first->get());
  const auto& a = (*other)->program;
  const auto& b = (*first)->program;
  CHECK((a.size() != b.size() ||
         std::memcmp(a.data(), b.data(), a.size() * sizeof(sock_filter)) != 0));

  plan::SecurityPlan unconfined = plan;
  unconfined.seccomp = spec::SeccompMode::unconfined;
  auto none = cache.get(unconfined);
  REQUIRE(none.ok());
  CHECK((*none)->empty());

  // A profile file that cannot be read is an error, and is not remembered as a filter.
  plan::SecurityPlan missing = plan;
  missing.seccomp = spec::SeccompMode::profile_file;
  missing.seccomp_profile = "/nonexistent/profile.json";
  CHECK_FALSE(cache.get(missing).ok());
  CHECK_FALSE(cache.get(missing).ok());
}
