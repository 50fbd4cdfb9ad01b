// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/run_clock.hpp"

namespace srcompose::supervisor {

namespace {

RunClock::Milliseconds whole_ms(RunClock::Clock::duration duration) {
  return std::chrono::duration_cast<RunClock::Milliseconds>(duration);
}

}  // namespace

uint64_t RunClock::begin_run(Clock::time_point now) {
  running_ = true;
  run_started_at_ = now;
  if (run_number_ == 0) first_started_at_ = now;
  return ++run_number_;
}

void RunClock::end_run(Clock::time_point now) {
  if (!running_) return;
  running_ = false;
  ended_at_ = now;
  wall_used_before_run_ += whole_ms(now - run_started_at_);
}

RunClock::Milliseconds RunClock::wall_used(Clock::time_point now) const {
  return wall_used_before_run_ + uptime(now);
}

RunClock::Milliseconds RunClock::uptime(Clock::time_point now) const {
  return running_ ? whole_ms(now - run_started_at_) : Milliseconds{0};
}

RunClock::Milliseconds RunClock::last_run_length() const {
  return running_ ? Milliseconds{0} : whole_ms(ended_at_ - run_started_at_);
}

std::optional<RunClock::Milliseconds> RunClock::since_first_start(Clock::time_point now) const {
  if (run_number_ == 0) return std::nullopt;
  return whole_ms((running_ ? now : ended_at_) - first_started_at_);
}

}  // namespace srcompose::supervisor
