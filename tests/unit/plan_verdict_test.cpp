// SPDX-License-Identifier: GPL-2.0-or-later
// Verdicts and time budgets: pure decisions of grading runs.
#include <doctest/doctest.h>

#include "plan/verdict.hpp"

using namespace srcompose;
using namespace std::chrono_literals;
using plan::Verdict;

TEST_CASE("the verdict says why a run ended, the limit srcompose enforced first") {
  auto verdict = [](plan::RunFacts facts) { return plan::decide_verdict(facts); };
  CHECK(verdict({0, 0, false, {}, false}) == Verdict::ok);
  CHECK(verdict({2, 0, false, {}, false}) == Verdict::exited);
  // exit 139 and a SIGSEGV are different ends.
  CHECK(verdict({139, 0, false, {}, false}) == Verdict::exited);
  CHECK(verdict({139, 11, false, {}, false}) == Verdict::signaled);
  CHECK(verdict({137, 9, true, {}, false}) == Verdict::oom);
  CHECK(verdict({137, 9, false, plan::TimeLimit::cpu_time, false}) == Verdict::cpu_time);
  CHECK(verdict({137, 9, true, plan::TimeLimit::wall_time, true}) == Verdict::wall_time);
  CHECK(verdict({143, 15, false, {}, true}) == Verdict::stopped);
  CHECK(verdict({0, 0, false, {}, true}) == Verdict::stopped);
  CHECK(plan::to_string(Verdict::failed_to_start) == "failed_to_start");
}

TEST_CASE("time budgets: the next check is the earliest moment a budget can run out") {
  plan::TimeBudget budget{2000ms, 10'000ms};
  // 1.5 s of CPU left on 2 CPUs: it cannot be used up in less than 750 ms.
  auto check = plan::check_time_budget(budget, 500'000us, 1000ms, 2.0);
  CHECK_FALSE(check.exceeded);
  CHECK(check.next_check == 750ms);
  // Wall time closer than CPU time.
  check = plan::check_time_budget(budget, 0us, 9'900ms, 1.0);
  CHECK(check.next_check == 100ms);
  // Nearly used up: never a busy loop, at most the slack late.
  check = plan::check_time_budget(budget, 1'999'999us, 0ms, 1.0);
  CHECK(check.next_check == plan::kTimeLimitSlack);
  CHECK(plan::check_time_budget(budget, 2'000'000us, 0ms, 1.0).exceeded ==
        plan::TimeLimit::cpu_time);
  CHECK(plan::check_time_budget(budget, 0us, 10'000ms, 1.0).exceeded == plan::TimeLimit::wall_time);
  // No budget: nothing to watch.
  CHECK_FALSE(plan::check_time_budget({}, 1'000'000'000us, 1'000'000ms, 1.0).exceeded);
}
