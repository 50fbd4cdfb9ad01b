// SPDX-License-Identifier: GPL-2.0-or-later
// The runs' time accounting (supervisor/run_clock.hpp): wall time summed over the runs, restart
// delays not counted, uptime of the current run only.
#include <doctest/doctest.h>

#include "supervisor/run_clock.hpp"

using namespace srcompose::supervisor;
using std::chrono::milliseconds;

TEST_CASE("run clock: wall time sums the runs, not the delays between them") {
  RunClock clock;
  const RunClock::Clock::time_point t0{};
  CHECK(clock.run_number() == 0);
  CHECK_FALSE(clock.since_first_start(t0).has_value());
  CHECK(clock.wall_used(t0) == milliseconds{0});

  CHECK(clock.begin_run(t0 + milliseconds{100}) == 1);
  CHECK(clock.running());
  CHECK(clock.uptime(t0 + milliseconds{400}) == milliseconds{300});
  CHECK(clock.wall_used(t0 + milliseconds{400}) == milliseconds{300});
  clock.end_run(t0 + milliseconds{600});
  CHECK_FALSE(clock.running());
  CHECK(clock.uptime(t0 + milliseconds{5000}) == milliseconds{0});
  CHECK(clock.last_run_length() == milliseconds{500});
  // A restart delay of 1.4 s: not counted.
  CHECK(clock.begin_run(t0 + milliseconds{2000}) == 2);
  CHECK(clock.wall_used(t0 + milliseconds{2250}) == milliseconds{750});
  CHECK(clock.since_first_start(t0 + milliseconds{2250}) == milliseconds{2150});
  clock.end_run(t0 + milliseconds{3000});
  CHECK(clock.wall_used(t0 + milliseconds{9000}) == milliseconds{1500});
  // After the last end, the span from the first start stops growing.
  CHECK(clock.since_first_start(t0 + milliseconds{9000}) == milliseconds{2900});
  // An end without a run changes nothing.
  clock.end_run(t0 + milliseconds{9500});
  CHECK(clock.wall_used(t0 + milliseconds{9900}) == milliseconds{1500});
}
