// SPDX-License-Identifier: GPL-2.0-or-later
// A token bucket with hysteresis: how much of a container's output the supervisor takes (issue 10
// item 14). Pure; time is passed in.
#pragma once

#include <chrono>
#include <cstdint>

namespace srcompose {

class RateBudget {
 public:
  using Clock = std::chrono::steady_clock;

  // `rate` bytes per second on average, bursts up to `burst` bytes; starts full.
  RateBudget(uint64_t rate, uint64_t burst, Clock::time_point now);

  // Takes `bytes` when they fit and the budget is not dropping; otherwise takes nothing and drops
  // from now on.
  bool take(uint64_t bytes, Clock::time_point now);
  // Whether output is being dropped. Once dropping, it stays so until a second's worth of budget
  // (or the whole burst, if smaller) has come back: a flood then costs one marker line a second,
  // not one per refilled byte.
  bool dropping(Clock::time_point now);

 private:
  void refill(Clock::time_point now);

  uint64_t rate_;
  uint64_t burst_;
  uint64_t tokens_;
  Clock::time_point last_;
  bool dropping_ = false;
};

}  // namespace srcompose
