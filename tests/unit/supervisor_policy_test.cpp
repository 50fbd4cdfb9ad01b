// SPDX-License-Identifier: GPL-2.0-or-later
// The supervisor's pure decisions (restart_policy.hpp): restarts, backoff, the bounded record and
// dependency conditions, without a loop or root.
#include <doctest/doctest.h>

#include <csignal>

#include "plan/lab_plan.hpp"
#include "spec/load.hpp"
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
  CHECK_FALSE(should_restart({Policy::no, 0}, 0, ended(1)));
  CHECK(should_restart({Policy::on_failure, 0}, 0, ended(1)));
  CHECK_FALSE(should_restart({Policy::on_failure, 0}, 0, ended(0)));
  CHECK(should_restart({Policy::on_oom, 0}, 0, ended(137, true)));
  CHECK_FALSE(should_restart({Policy::on_oom, 0}, 0, ended(1)));
  CHECK(should_restart({Policy::always, 0}, 5000, ended(0)));
  CHECK(should_restart({Policy::always, 3}, 2, ended(0)));
  CHECK_FALSE(should_restart({Policy::always, 3}, 3, ended(0)));
}

TEST_CASE("a run killed for its time budget is never restarted: the budget is the total") {
  for (const char* verdict : {"cpu_time", "wall_time"}) {
    RunEnd end = ended(137);
    end.signal = 9;
    end.verdict = verdict;
    CHECK_FALSE(should_restart({spec::RestartPolicy::always, 0}, 0, end));
    CHECK_FALSE(should_restart({spec::RestartPolicy::on_failure, 0}, 0, end));
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

TEST_CASE(
    "the lab file's restart, stop, health and dependencies reach the supervisor through the plan") {
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  auto result = spec::load_lab_text(
      "name = \"life\"\n"
      "[containers.db]\nrestart = \"on-failure\"\nmax_restarts = 2\nrestart_delay_max = \"50ms\"\n"
      "stop_signal = \"SIGINT\"\nstop_timeout = \"3s\"\n"
      "healthcheck = { command = [\"true\"], interval = \"1s\", retries = 5 }\n"
      "[containers.app]\ndepends_on = { db = { condition = \"healthy\" } }\n"
      "[containers.grader]\n"
      "depends_on = { app = { condition = \"completed_successfully\" } }\n",
      "/tmp/srcompose-policy/lab.toml", options);
  REQUIRE(result.lab.has_value());
  plan::LabPlan plan = plan::plan_lab(*result.lab);
  // Start order: dependencies first.
  REQUIRE(plan.containers.size() == 3);
  CHECK(plan.containers[0].name == "db");
  CHECK(plan.containers[1].name == "app");
  CHECK(plan.containers[2].name == "grader");

  const auto& db = plan.find("db")->lifecycle;
  CHECK(db.restart.policy == spec::RestartPolicy::on_failure);
  CHECK(db.stop_signal == SIGINT);
  CHECK(db.stop_timeout == milliseconds{3000});
  REQUIRE(db.healthcheck.has_value());
  CHECK(db.healthcheck->retries == 5);
  CHECK(should_restart(db.restart, 0, ended(1)));
  CHECK(should_restart(db.restart, 1, ended(1)));
  CHECK_FALSE(should_restart(db.restart, 2, ended(1)));  // max_restarts
  CHECK_FALSE(should_restart(db.restart, 0, ended(0)));
  // restart_delay_max below the first delay: that delay every time.
  std::optional<milliseconds> delay;
  for (int i = 0; i < 3; ++i) {
    delay = next_backoff(delay, false, db.restart.delay_max);
    CHECK(*delay == milliseconds{50});
  }

  const auto& app = plan.find("app")->lifecycle;
  REQUIRE(app.depends_on.size() == 1);
  CHECK(app.depends_on[0].container == "db");
  CHECK(app.depends_on[0].condition == spec::DependencyCondition::healthy);
  CHECK(app.restart.policy == spec::RestartPolicy::no);
  CHECK_FALSE(should_restart(app.restart, 0, ended(1)));
  const auto& grader = plan.find("grader")->lifecycle;
  REQUIRE(grader.depends_on.size() == 1);
  CHECK(grader.depends_on[0].condition == spec::DependencyCondition::completed_successfully);
  DependencyFacts app_ended{true, false, false, true, ended(0)};
  CHECK(dependency_verdict(grader.depends_on[0].condition, app_ended) == DependencyVerdict::met);
  app_ended.last_end = ended(1);
  CHECK(dependency_verdict(grader.depends_on[0].condition, app_ended) == DependencyVerdict::never);
}

TEST_CASE(
    "health checks: a pass is healthy, retries failures in a row unhealthy, start period free") {
  HealthRecord record;
  // Failures in the start period do not count.
  for (int i = 0; i < 5; ++i)
    CHECK(record_health_check(record, false, true, 3) == HealthChange::none);
  CHECK(record.failures == 0);
  CHECK(record.health.empty());
  CHECK(record_health_check(record, true, true, 3) == HealthChange::became_healthy);
  CHECK(record_health_check(record, true, false, 3) == HealthChange::none);  // said once
  CHECK(record_health_check(record, false, false, 3) == HealthChange::none);
  CHECK(record_health_check(record, false, false, 3) == HealthChange::none);
  CHECK(record_health_check(record, true, false, 3) == HealthChange::none);  // the count resets
  CHECK(record.failures == 0);
  CHECK(record_health_check(record, false, false, 3) == HealthChange::none);
  CHECK(record_health_check(record, false, false, 3) == HealthChange::none);
  CHECK(record_health_check(record, false, false, 3) == HealthChange::became_unhealthy);
  CHECK(record.health == "unhealthy");
  CHECK(record_health_check(record, false, false, 3) == HealthChange::none);  // said once
  CHECK(record_health_check(record, true, false, 3) == HealthChange::became_healthy);
}
