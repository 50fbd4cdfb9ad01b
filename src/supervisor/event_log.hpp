// SPDX-License-Identifier: GPL-2.0-or-later
// EventLog: what `srcompose events` reads. The supervisor appends one JSON object per line to
// <state dir>/events.jsonl for each container start, exit, OOM kill, restart, health change, pause
// and unpause, failure to start, and for the lab coming up and going down. Every line has "time"
// (UTC, RFC 3339), "type", "project" and, for a container's events, "container"; the rest depends
// on the type (man srcompose, EVENTS). The file is capped: past `max_size` it is renamed to
// events.jsonl.1 (replacing the previous one) and a new one is started, so a lab that restarts a
// container forever keeps at most twice `max_size` of events.
//
// Supervisor side, on the loop: each event is one write(2) of a whole line with O_APPEND, so a
// reader never sees a line from two events. A write that fails is warned about once (through
// `warn`) and the event is dropped: events never stop a lab.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "common/unique_fd.hpp"
#include "supervisor/json.hpp"
#include "supervisor/status.hpp"

namespace srcompose::supervisor {

inline constexpr uint64_t kEventLogMaxSize = uint64_t{1024} * 1024;

class EventLog {
 public:
  using Warn = std::function<void(const std::string&)>;

  EventLog(std::filesystem::path file, std::string project, Warn warn,
           uint64_t max_size = kEventLogMaxSize);

  // The lab: "up" (every container runs, the moment `up -d` returns) and "down" (everything is
  // removed but the state directory, the last event).
  void lab(std::string_view type);
  void start(std::string_view container, pid_t pid, uint64_t run);
  void exit(std::string_view container, const RunEnd& end);
  void oom(std::string_view container, uint64_t oom_kills);
  void restart(std::string_view container, uint64_t restart_count, std::chrono::milliseconds delay,
               const RunEnd& after);
  // "healthy" or "unhealthy"; `failures`: the failed checks in a row.
  void health(std::string_view container, std::string_view status, uint32_t failures);
  // "pause" or "unpause".
  void paused(std::string_view container, bool paused);
  void failed(std::string_view container, std::string_view error);

 private:
  void append(std::string_view type, std::string_view container, json::object fields);
  void rotate();

  std::filesystem::path file_;
  std::string project_;
  Warn warn_;
  uint64_t max_size_;
  UniqueFd fd_;
  uint64_t size_ = 0;
  bool warned_ = false;
};

}  // namespace srcompose::supervisor
