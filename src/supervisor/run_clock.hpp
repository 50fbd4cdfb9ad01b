// SPDX-License-Identifier: GPL-2.0-or-later
// The time accounting of a container's runs, apart from their lifecycle (ContainerInstance) and
// their output (output_pump.hpp): the run counter, when the first and the current run started,
// when the last one ended, and the wall time summed over the runs (limits.wall_time, `ps`).
// Restart delays count nowhere. Pure: the caller passes the time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace srcompose::supervisor {

class RunClock {
 public:
  using Clock = std::chrono::steady_clock;
  using Milliseconds = std::chrono::milliseconds;

  // A run starts at `now`; returns its number (1 for the first).
  uint64_t begin_run(Clock::time_point now);
  // The current run ended at `now`.
  void end_run(Clock::time_point now);

  uint64_t run_number() const { return run_number_; }
  bool running() const { return running_; }
  // The wall time of every run so far, the current one up to `now`.
  Milliseconds wall_used(Clock::time_point now) const;
  // How long the current run has been going (0 when none runs).
  Milliseconds uptime(Clock::time_point now) const;
  // How long the last run that ended lasted (the restart backoff's reset).
  Milliseconds last_run_length() const;
  // From the first start to `now` (running) or to the last end; nullopt before the first start.
  std::optional<Milliseconds> since_first_start(Clock::time_point now) const;

 private:
  uint64_t run_number_ = 0;
  bool running_ = false;
  Clock::time_point run_started_at_{};
  Clock::time_point first_started_at_{};
  Clock::time_point ended_at_{};
  Milliseconds wall_used_before_run_{0};  // summed over the runs that ended
};

}  // namespace srcompose::supervisor
