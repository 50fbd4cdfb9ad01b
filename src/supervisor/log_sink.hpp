// SPDX-License-Identifier: GPL-2.0-or-later
// LogSink: where container output and lab progress go. A container's output is appended to
// logs/<name>.log in records of common/log_format.hpp (what `srcompose logs` reads back, merged in
// time order), rotated at the container's logging.max_size into at most logging.max_file files,
// and, in the foreground, printed as "name | text" with names padded and, on a terminal, coloured,
// as docker compose does, and with control characters made visible. srcompose's own lines
// (progress, warnings, errors) go through an spdlog logger on stderr, with a level, and detached
// (stderr is supervisor.log) with the UTC time.
#pragma once

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "spec/lab.hpp"

namespace spdlog {
class logger;
}

namespace srcompose::supervisor {

enum class Stream { out, err };

// The level of one of srcompose's own lines, and the least level printed.
enum class LogLevel { debug, info, warning, error };

// SRCOMPOSE_LOG_LEVEL ("debug", "info", "warning" or "error"): the least level printed; info when
// unset or not one of those.
LogLevel log_level_from_environment();

struct ConsoleOptions {
  bool enabled = true;  // false when detached (-d): only files
  bool color = false;   // decided by the caller from isatty and NO_COLOR
  // `srcompose run NAME`: only NAME's output reaches the console, as it is (stdout to stdout,
  // stderr to stderr, no "name |" prefix); every container's still goes to its log file.
  std::string attached;
  LogLevel level = LogLevel::info;  // srcompose's own lines below this are not printed
};

// Whether text bound for stdout and stderr goes to a terminal: then container output (and the text
// of progress lines, which may quote it) is passed through for_terminal (common/terminal_text.hpp);
// to a pipe or file it stays raw.
struct TerminalOutputs {
  bool out = false;
  bool err = false;
  static TerminalOutputs detect();
};

class LogSink {
 public:
  // `logging`: each container's log limits; a container not in it gets the defaults.
  LogSink(std::filesystem::path logs_dir, ConsoleOptions console,
          const std::vector<std::string>& container_names,
          std::map<std::string, spec::Logging, std::less<>> logging = {},
          TerminalOutputs terminals = TerminalOutputs::detect());

  // Complete lines of a container's stdout or stderr, each ending in '\n' (a last one without is
  // ended here): one record in its log file, one console line each.
  void container_output(std::string_view container, Stream stream, std::string_view lines);
  // One line (without its newline).
  void container_line(std::string_view container, Stream stream, std::string_view text);
  // A progress or status line about the lab, printed on the console (stderr keeps stdout for the
  // containers' own output when it's piped); `container` may be empty for lab-wide lines. Its level
  // is warning when `text` starts with "warning: ", error with "error: ", info otherwise.
  void progress(std::string_view container, std::string_view text);

 private:
  struct LogFile {
    UniqueFd fd;
    uint64_t size = 0;
    spec::Logging limits;
  };
  void write_record(std::string_view container, std::string_view record);
  LogFile& log_file(std::string_view container);
  UniqueFd open_log(std::string_view container, const std::filesystem::path& path, int extra_flags);
  void rotate(std::string_view container, LogFile& file);
  void print_lines(std::string_view container, Stream stream, std::string_view lines);
  std::string console_prefix(std::string_view container) const;

  std::filesystem::path logs_dir_;
  ConsoleOptions console_;
  TerminalOutputs terminals_;
  size_t name_width_ = 0;
  std::map<std::string, spec::Logging, std::less<>> logging_;
  std::map<std::string, LogFile, std::less<>> files_;
  std::map<std::string, int, std::less<>> colors_;
  std::shared_ptr<spdlog::logger> own_lines_;  // srcompose's lines, to stderr
};

// "2026-11-23T15:46:00.123456Z": the timestamp format of log files, sortable as text.
std::string utc_timestamp_now();

}  // namespace srcompose::supervisor
