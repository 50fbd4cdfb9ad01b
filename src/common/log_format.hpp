// SPDX-License-Identifier: GPL-2.0-or-later
// The format of a container's log file (logs/<name>.log and its rotations), written by the
// supervisor's LogSink and read by `srcompose logs`. Pure.
//
// One record per read from the container's pipe: a header line "@<UTC timestamp> <stream>" and
// then the lines read, as the container wrote them. A line that would start with '@' or '\' gets a
// '\' in front, so a container cannot forge a header. The cost per line is nothing (before, each
// line carried its own 35-byte timestamp: a megabyte of empty lines made 36 MB of log).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace srcompose::logfmt {

// "2026-11-23T15:46:00.123456Z": a header's timestamp, UTC, fixed width, so text order is time
// order (`logs` merges and filters --since by comparing the text).
std::string timestamp(std::chrono::system_clock::time_point time);

// Appends a record to `out`: the header, then `lines` (complete lines, each ending in '\n').
void append_record(std::string& out, std::string_view timestamp, std::string_view stream,
                   std::string_view lines);

// Reads a log file line by line (each without its '\n'), keeping the header in force.
class Reader {
 public:
  // Feeds one line; true when it is a line of output (then timestamp(), stream() and text() say
  // what it is), false for a header or a line before any header.
  bool feed(std::string_view line);
  const std::string& timestamp() const { return timestamp_; }
  const std::string& stream() const { return stream_; }
  std::string_view text() const { return text_; }

 private:
  std::string timestamp_;
  std::string stream_;
  std::string_view text_;
  bool in_record_ = false;
};

}  // namespace srcompose::logfmt
