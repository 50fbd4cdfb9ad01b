// SPDX-License-Identifier: GPL-2.0-or-later
// The batch's progress: counts and an estimate of the time left, as one line.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>

namespace srcompose::batch {

struct Progress {
  size_t total = 0;   // items of the batch
  size_t done = 0;    // ended, this run or before (skipped as complete)
  size_t failed = 0;  // of `done`, failed to run
  size_t running = 0;
  unsigned jobs = 1;
  // Mean wall time of the items that ended in this run; unknown until one has.
  std::optional<std::chrono::milliseconds> mean_duration;
};

// Seconds left: the items not yet ended, `jobs` at a time, at the mean duration (a running item
// counted as half done). nullopt while no item has ended. Pure.
std::optional<std::chrono::seconds> estimate_left(const Progress& progress);

// "12 items: 5 done (1 failed), 4 running, 3 waiting, ETA 1m05s". Pure.
std::string progress_line(const Progress& progress);

}  // namespace srcompose::batch

namespace srcompose::batch {

// Prints the batch's lines on stderr. On a terminal the last line is the progress line, redrawn in
// place (update); elsewhere only the plain lines are printed, one per event.
class ProgressReporter {
 public:
  explicit ProgressReporter(bool terminal) : terminal_(terminal) {}
  // "srcompose: batch: TEXT" on a line of its own (above the progress line on a terminal).
  void line(const std::string& text);
  void update(const Progress& progress);
  // Removes the progress line (terminal) before the final words.
  void finish();

 private:
  bool terminal_;
  std::string shown_;  // the progress line on the terminal, "" when none
};

}  // namespace srcompose::batch
