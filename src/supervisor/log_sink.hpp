// LogSink: where container output and lab progress go. Every line of a container is appended to
// logs/<name>.log as "<UTC timestamp> <stream> <text>" (what `srcompose logs` reads back, merged in
// time order) and, in the foreground, printed as "name | text" with names padded and, on a
// terminal, coloured, as docker compose does, and with control characters made visible.
#pragma once

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace srcompose::supervisor {

enum class Stream { out, err };

struct ConsoleOptions {
  bool enabled = true;  // false when detached (-d): only files
  bool color = false;   // decided by the caller from isatty and NO_COLOR
  // `srcompose run NAME`: only NAME's output reaches the console, as it is (stdout to stdout,
  // stderr to stderr, no "name |" prefix); every container's still goes to its log file.
  std::string attached;
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
  LogSink(std::filesystem::path logs_dir, ConsoleOptions console,
          const std::vector<std::string>& container_names,
          TerminalOutputs terminals = TerminalOutputs::detect());

  // One complete line of a container's stdout or stderr (without its newline).
  void container_line(std::string_view container, Stream stream, std::string_view text);
  // A progress or status line about the lab, printed on the console (stderr keeps stdout for the
  // containers' own output when it's piped); `container` may be empty for lab-wide lines.
  void progress(std::string_view container, std::string_view text);

 private:
  int log_fd(std::string_view container);
  std::string console_prefix(std::string_view container) const;

  std::filesystem::path logs_dir_;
  ConsoleOptions console_;
  TerminalOutputs terminals_;
  size_t name_width_ = 0;
  std::map<std::string, UniqueFd, std::less<>> files_;
  std::map<std::string, int, std::less<>> colors_;
};

// "2026-11-23T15:46:00.123456Z": the timestamp format of log files, sortable as text.
std::string utc_timestamp_now();

}  // namespace srcompose::supervisor
