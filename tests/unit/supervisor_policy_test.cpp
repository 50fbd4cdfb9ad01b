// The supervisor's pure decisions (restart_policy.hpp): restarts, backoff, the bounded record and
// dependency conditions, without a loop or root.
#include <doctest/doctest.h>

#include "supervisor/restart_policy.hpp"

using namespace srcompose;
using namespace srcompose::supervisor;
using std::chrono::milliseconds;

namespace {

RunEnd ended(int exit_code, bool oom = false) {
  RunEnd end;
  end.exit_code = exit_code;
  end.oom_killed = oom;
  return end;
}

}  // namespace

TEST_CASE("should_restart follows the policy and max_restarts") {
  using Policy = spec::RestartPolicy;
  CHECK_FALSE(should_restart(Policy::no, 0, 0, ended(1)));
  CHECK(should_restart(Policy::on_failure, 0, 0, ended(1)));
  CHECK_FALSE(should_restart(Policy::on_failure, 0, 0, ended(0)));
  CHECK(should_restart(Policy::on_oom, 0, 0, ended(137, true)));
  CHECK_FALSE(should_restart(Policy::on_oom, 0, 0, ended(1)));
  CHECK(should_restart(Policy::always, 0, 5000, ended(0)));
  CHECK(should_restart(Policy::always, 3, 2, ended(0)));
  CHECK_FALSE(should_restart(Policy::always, 3, 3, ended(0)));
}

TEST_CASE("a run killed for its time budget is never restarted: the budget is the total") {
  for (const char* verdict : {"cpu_time", "wall_time"}) {
    RunEnd end = ended(137);
    end.signal = 9;
    end.verdict = verdict;
    CHECK_FALSE(should_restart(spec::RestartPolicy::always, 0, 0, end));
    CHECK_FALSE(should_restart(spec::RestartPolicy::on_failure, 0, 0, end));
  }
}

TEST_CASE("next_backoff doubles from 100 ms up to the maximum, and never alternates below 100 ms") {
  const milliseconds max{1000};
  CHECK(next_backoff(std::nullopt, false, max) == milliseconds{100});
  CHECK(next_backoff(milliseconds{100}, false, max) == milliseconds{200});
  CHECK(next_backoff(milliseconds{800}, false, max) == milliseconds{1000});
  CHECK(next_backoff(milliseconds{1000}, false, max) == milliseconds{1000});
  CHECK(next_backoff(milliseconds{1000}, true, max) == milliseconds{100});  // a long run resets
  // restart_delay_max below the first delay: that delay every time (it alternated 100 and 0 ms).
  std::optional<milliseconds> delay;
  for (int i = 0; i < 4; ++i) {
    delay = next_backoff(delay, false, milliseconds{30});
    CHECK(*delay == milliseconds{30});
  }
  delay.reset();
  for (int i = 0; i < 4; ++i) {
    delay = next_backoff(delay, false, milliseconds{0});
    CHECK(*delay == milliseconds{0});
  }
}

TEST_CASE("the restart record keeps the most recent entries and counts them all") {
  ContainerStatus status;
  for (int i = 0; i < 1000; ++i)
    record_restart(status, ended(i));
  CHECK(status.restart_count == 1000);
  REQUIRE(status.restarts.size() == kRecentRestarts);
  CHECK(status.restarts.front().exit_code == 1000 - static_cast<int>(kRecentRestarts));
  CHECK(status.restarts.back().exit_code == 999);
}

TEST_CASE("dependency conditions: met, waiting, never, unhealthy") {
  using Condition = spec::DependencyCondition;
  DependencyFacts facts;
  CHECK(dependency_verdict(Condition::started, facts) == DependencyVerdict::waiting);
  facts.started = true;
  CHECK(dependency_verdict(Condition::started, facts) == DependencyVerdict::met);
  CHECK(dependency_verdict(Condition::healthy, facts) == DependencyVerdict::waiting);
  facts.unhealthy = true;
  CHECK(dependency_verdict(Condition::healthy, facts) == DependencyVerdict::unhealthy);
  facts.healthy = true;
  CHECK(dependency_verdict(Condition::healthy, facts) == DependencyVerdict::met);
  CHECK(dependency_verdict(Condition::completed_successfully, facts) == DependencyVerdict::waiting);
  facts.finished = true;
  facts.last_end = ended(0);
  CHECK(dependency_verdict(Condition::completed_successfully, facts) == DependencyVerdict::met);
  facts.last_end = ended(2);
  CHECK(dependency_verdict(Condition::completed_successfully, facts) == DependencyVerdict::never);
  facts.last_end.reset();  // finished without ever running
  CHECK(dependency_verdict(Condition::completed_successfully, facts) == DependencyVerdict::never);
}
