// SPDX-License-Identifier: GPL-2.0-or-later
#include "common/rate_budget.hpp"

#include <algorithm>

namespace srcompose {

RateBudget::RateBudget(uint64_t rate, uint64_t burst, Clock::time_point now)
    : rate_(rate), burst_(std::max(burst, uint64_t{1})), tokens_(burst_), last_(now) {}

void RateBudget::refill(Clock::time_point now) {
  if (now <= last_) return;
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - last_).count();
  // Whole bytes only; the remainder of the interval is kept by not moving last_ past it.
  uint64_t earned = static_cast<uint64_t>(micros) * rate_ / 1'000'000;
  if (earned == 0) return;
  tokens_ = std::min(burst_, tokens_ + earned);
  last_ = now;
}

bool RateBudget::dropping(Clock::time_point now) {
  refill(now);
  if (dropping_ && tokens_ >= std::min(rate_, burst_)) dropping_ = false;
  return dropping_;
}

bool RateBudget::take(uint64_t bytes, Clock::time_point now) {
  if (dropping(now) || bytes > tokens_) {
    dropping_ = true;
    return false;
  }
  tokens_ -= bytes;
  return true;
}

}  // namespace srcompose
