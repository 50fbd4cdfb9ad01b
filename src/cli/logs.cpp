// SPDX-License-Identifier: GPL-2.0-or-later
// `srcompose logs`: the containers' output from the log files of the state directory, merged in
// time order; --since and --tail choose what of it, -f follows them until the lab goes down.
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>

#include "cli/commands.hpp"
#include "common/log_format.hpp"
#include "common/terminal_text.hpp"
#include "common/unique_fd.hpp"
#include "spec/values.hpp"

namespace srcompose::cli {

namespace {

struct LogLine {
  std::string timestamp;
  std::string container;
  std::string text;
};

// Where `logs` is in one container's current log file.
struct FileCursor {
  std::streamoff offset = 0;
  ino_t inode = 0;
};

ino_t inode_of(const std::filesystem::path& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? info.st_ino : 0;
}

// Reads the complete lines of `path` from `offset` on, advancing it. Every record starts with its
// header (common/log_format.hpp), so reading from a record boundary needs no earlier state.
void read_new_lines(const std::filesystem::path& path, const std::string& container,
                    std::streamoff& offset, std::vector<LogLine>& lines) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return;
  in.seekg(offset);
  logfmt::Reader reader;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // an incomplete last line: read it next time
    offset += static_cast<std::streamoff>(line.size() + 1);
    if (reader.feed(line))
      lines.push_back({reader.timestamp(), container, std::string(reader.text())});
  }
}

// The rotated files of `base` (base.1, base.2, ...), oldest first.
std::vector<std::filesystem::path> rotated_files(const std::filesystem::path& base) {
  std::vector<std::filesystem::path> files;
  for (int index = 1;; ++index) {
    std::filesystem::path rotated = base.string() + "." + std::to_string(index);
    if (!std::filesystem::exists(rotated)) break;
    files.insert(files.begin(), rotated);
  }
  return files;
}

// New lines of one container. A rotation since the last call (the file has another inode) is
// followed: the rest of the old file, now base.1, then the new one from its start.
void read_container(const std::filesystem::path& base, const std::string& container,
                    FileCursor& cursor, std::vector<LogLine>& lines) {
  ino_t inode = inode_of(base);
  if (cursor.inode != 0 && inode != cursor.inode) {
    std::filesystem::path previous = base.string() + ".1";
    if (inode_of(previous) == cursor.inode)
      read_new_lines(previous, container, cursor.offset, lines);
    cursor.offset = 0;
  }
  cursor.inode = inode;
  read_new_lines(base, container, cursor.offset, lines);
}

// To a terminal, the containers' text has its control characters made visible (a container must
// not drive the reader's terminal); to a pipe or file it is written as it was logged.
void print(const std::vector<LogLine>& lines, size_t width, const LogsArguments& arguments,
           bool terminal) {
  std::string out;
  for (const auto& line : lines) {
    if (!arguments.no_log_prefix) {
      std::string name = terminal ? for_terminal(line.container) : line.container;
      name.resize(std::max(width, name.size()), ' ');
      out += name;
      out += " | ";
    }
    if (arguments.timestamps) out += line.timestamp + " ";
    if (terminal) {
      append_for_terminal(out, line.text);
    } else {
      out += line.text;
    }
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

// --since: a duration before now ("10m") or an RFC 3339 time, as the log timestamp to compare with.
Result<std::string> since_timestamp(const std::string& since) {
  auto now = std::chrono::system_clock::now();
  if (auto duration = spec::parse_duration(since)) return logfmt::timestamp(now - *duration);
  auto time = spec::parse_rfc3339(since);
  if (!time) {
    return Error::message("--since " + since +
                          ": expected a duration such as \"10m\" or an RFC 3339 time such as "
                          "\"2026-11-28T19:00:00Z\"");
  }
  return logfmt::timestamp(*time);
}

// --tail: "all" or a number of lines.
Result<std::optional<size_t>> parse_tail(const std::string& tail) {
  if (tail == "all") return std::optional<size_t>();
  size_t lines = 0;
  auto [end, error] = std::from_chars(tail.data(), tail.data() + tail.size(), lines);
  if (tail.empty() || error != std::errc{} || end != tail.data() + tail.size())
    return Error::message("--tail " + tail + ": expected a number of lines or \"all\"");
  return std::optional<size_t>(lines);
}

// What is logged so far of one container (its rotated files, then the current one, leaving
// `cursor` at its end), from `since` on and only the last `tail` lines.
std::vector<LogLine> read_backlog(const std::filesystem::path& base, const std::string& container,
                                  FileCursor& cursor, const std::string& since,
                                  std::optional<size_t> tail) {
  std::vector<LogLine> lines;
  for (const auto& rotated : rotated_files(base)) {
    std::streamoff from_start = 0;
    read_new_lines(rotated, container, from_start, lines);
  }
  read_container(base, container, cursor, lines);
  // Timestamps are fixed-width UTC: text order is time order, and a container's lines are in it.
  auto first = std::lower_bound(
      lines.begin(), lines.end(), since,
      [](const LogLine& line, const std::string& time) { return line.timestamp < time; });
  if (tail && static_cast<size_t>(lines.end() - first) > *tail)
    first = lines.end() - static_cast<std::ptrdiff_t>(*tail);
  lines.erase(lines.begin(), first);
  return lines;
}
// -f: waits until something in the logs directory changes (a file written, rotated in or removed;
// the directory itself removed by `down`). inotify on the directory reports its files' writes, so a
// line is shown as soon as it is logged. The poll's timeout is a safety net (the directory
// replaced, events dropped on overflow); without inotify (its instance limit reached) it is all
// there is.
class LogsWatch {
 public:
  explicit LogsWatch(const std::filesystem::path& logs_dir)
      : inotify_(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) {
    if (inotify_ && ::inotify_add_watch(inotify_.get(), logs_dir.c_str(),
                                        IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_DELETE |
                                            IN_DELETE_SELF | IN_MOVE_SELF) < 0)
      inotify_.reset();
  }

  void wait_for_change() {
    pollfd readable{inotify_ ? inotify_.get() : -1, POLLIN, 0};
    ::poll(&readable, 1, inotify_ ? 1000 : 200);  // EINTR: as good as a change
    if (!inotify_) return;
    alignas(inotify_event) std::array<char, 4096> events{};
    while (::read(inotify_.get(), events.data(), events.size()) > 0) {
    }
  }

 private:
  UniqueFd inotify_;
};

}  // namespace

int run_logs(const GlobalOptions& global, const LogsArguments& arguments) {
  auto project = resolve_project(global, /*need_lab=*/false);
  if (!project) return report_error(project.error());
  auto logs_dir = project->paths.logs_dir();
  if (!std::filesystem::exists(logs_dir))
    return report_error(Error::message("lab " + project->name + " is not up"));

  std::vector<std::string> containers = arguments.containers;
  // Every container of the lab has a log file from the start on: one without is no container.
  for (const auto& name : containers) {
    std::error_code error;
    if (!std::filesystem::exists(logs_dir / (name + ".log"), error)) {
      return report_error(Error::message("no container " + name + " in lab " + project->name));
    }
  }
  if (containers.empty()) {
    for (const auto& entry : std::filesystem::directory_iterator(logs_dir)) {
      if (entry.path().extension() == ".log") containers.push_back(entry.path().stem().string());
    }
    std::sort(containers.begin(), containers.end());
  }
  auto since = arguments.since.empty() ? Result<std::string>(std::string())
                                       : since_timestamp(arguments.since);
  if (!since) return report_error(since.error());
  auto tail = parse_tail(arguments.tail);
  if (!tail) return report_error(tail.error());
  size_t width = 0;
  for (const auto& name : containers)
    width = std::max(width, name.size());
  std::map<std::string, FileCursor> cursors;
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;

  // Watching before the backlog is read: a line logged in between wakes the first wait.
  std::optional<LogsWatch> watch;
  if (arguments.follow) watch.emplace(logs_dir);
  std::vector<LogLine> lines;
  for (const auto& name : containers) {
    auto backlog = read_backlog(logs_dir / (name + ".log"), name, cursors[name], *since, *tail);
    lines.insert(lines.end(), std::make_move_iterator(backlog.begin()),
                 std::make_move_iterator(backlog.end()));
  }
  for (;;) {
    std::stable_sort(lines.begin(), lines.end(),
                     [](const LogLine& a, const LogLine& b) { return a.timestamp < b.timestamp; });
    print(lines, width, arguments, terminal);
    lines.clear();
    if (!arguments.follow || !std::filesystem::exists(logs_dir)) return 0;
    watch->wait_for_change();
    for (const auto& name : containers) {
      read_container(logs_dir / (name + ".log"), name, cursors[name], lines);
    }
  }
}

}  // namespace srcompose::cli
