// SPDX-License-Identifier: GPL-2.0-or-later
#include "common/log_format.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace srcompose::logfmt {

std::string timestamp(std::chrono::system_clock::time_point time) {
  auto since_epoch = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch());
  auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  std::time_t whole = seconds.count();
  std::tm utc{};
  ::gmtime_r(&whole, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<long long>((since_epoch - seconds).count()));
  return text;
}

void append_record(std::string& out, std::string_view timestamp, std::string_view stream,
                   std::string_view lines) {
  out += '@';
  out += timestamp;
  out += ' ';
  out += stream;
  out += '\n';
  // Only a line starting with '@' or '\\' needs an escape, so the record is searched for those two
  // characters (two memchr scans) rather than walked line by line: a flood of short lines costs a
  // copy, not a loop per line.
  size_t copied = 0;
  size_t next_at = lines.find('@');
  size_t next_backslash = lines.find('\\');
  for (;;) {
    size_t at = std::min(next_at, next_backslash);
    if (at == std::string_view::npos) break;
    if (at == 0 || lines[at - 1] == '\n') {
      out.append(lines.substr(copied, at - copied));
      out += '\\';
      copied = at;
    }
    if (at == next_at) {
      next_at = lines.find('@', at + 1);
    } else {
      next_backslash = lines.find('\\', at + 1);
    }
  }
  out.append(lines.substr(copied));
  if (!lines.empty() && lines.back() != '\n') out += '\n';
}

bool Reader::feed(std::string_view line) {
  if (line.starts_with('@')) {
    line.remove_prefix(1);
    size_t space = line.find(' ');
    timestamp_ = std::string(line.substr(0, space));
    stream_ = space == std::string_view::npos ? "" : std::string(line.substr(space + 1));
    in_record_ = true;
    return false;
  }
  if (!in_record_) return false;
  if (line.starts_with('\\')) line.remove_prefix(1);
  text_ = line;
  return true;
}

}  // namespace srcompose::logfmt
