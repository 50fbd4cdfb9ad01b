// SPDX-License-Identifier: GPL-2.0-or-later
#include "batch/progress.hpp"

#include <cmath>

namespace srcompose::batch {

std::optional<std::chrono::seconds> estimate_left(const Progress& progress) {
  if (!progress.mean_duration) return std::nullopt;
  size_t waiting = progress.total - progress.done - progress.running;
  double work = static_cast<double>(waiting) + 0.5 * static_cast<double>(progress.running);
  double seconds = work * static_cast<double>(progress.mean_duration->count()) / 1000.0 /
                   static_cast<double>(progress.jobs == 0 ? 1 : progress.jobs);
  return std::chrono::seconds(static_cast<int64_t>(std::ceil(seconds)));
}

std::string progress_line(const Progress& progress) {
  size_t waiting = progress.total - progress.done - progress.running;
  std::string line =
      std::to_string(progress.total) + " items: " + std::to_string(progress.done) + " done";
  if (progress.failed > 0) line += " (" + std::to_string(progress.failed) + " failed)";
  line +=
      ", " + std::to_string(progress.running) + " running, " + std::to_string(waiting) + " waiting";
  if (auto left = estimate_left(progress); left && progress.done < progress.total) {
    int64_t seconds = left->count();
    line += ", ETA ";
    if (seconds >= 60) line += std::to_string(seconds / 60) + "m";
    char text[8];
    std::snprintf(text, sizeof text, seconds >= 60 ? "%02llds" : "%llds",
                  static_cast<long long>(seconds % 60));
    line += text;
  }
  return line;
}

}  // namespace srcompose::batch

namespace srcompose::batch {

void ProgressReporter::line(const std::string& text) {
  std::fprintf(stderr, "%ssrcompose: batch: %s\n", shown_.empty() ? "" : "\r\033[K", text.c_str());
  if (!shown_.empty()) std::fprintf(stderr, "%s", shown_.c_str());
  std::fflush(stderr);
}

void ProgressReporter::update(const Progress& progress) {
  if (!terminal_) return;
  shown_ = "srcompose: batch: " + progress_line(progress);
  std::fprintf(stderr, "\r\033[K%s", shown_.c_str());
  std::fflush(stderr);
}

void ProgressReporter::finish() {
  if (shown_.empty()) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_.clear();
}

}  // namespace srcompose::batch
