// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/log_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <array>
#include <chrono>
#include <cstdlib>

#include "common/log_format.hpp"
#include "common/terminal_text.hpp"
#include "sys/file_io.hpp"

namespace srcompose::supervisor {

namespace {

// The ANSI colours docker compose cycles through for service names.
constexpr std::array<int, 6> kPalette = {36, 33, 32, 35, 34, 31};

// A full disk or closed terminal must not stop the supervisor: a failed write is dropped.
void write_all(int fd, std::string_view text) {
  (void)sys::write_all(fd, text, "log");
}

void append_console_text(std::string& line, std::string_view text, bool terminal) {
  if (terminal) {
    append_for_terminal(line, text);
  } else {
    line += text;
  }
}

spdlog::level::level_enum spdlog_level(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warning:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

LogLevel level_of(std::string_view text) {
  if (text.starts_with("error: ")) return LogLevel::error;
  if (text.starts_with("warning: ")) return LogLevel::warning;
  return LogLevel::info;
}

// Detached, stderr is supervisor.log: warnings, restarts and teardown failures go there with the
// time (UTC, as in the containers' log files), since nobody watches them live. On the console the
// line is the text alone, as docker compose prints its progress.
std::shared_ptr<spdlog::logger> make_own_lines_logger(const ConsoleOptions& console) {
  auto logger = std::make_shared<spdlog::logger>("srcompose",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  const char* pattern = console.enabled ? "%v" : "%Y-%m-%dT%H:%M:%S.%fZ %v";
  logger->set_formatter(
      std::make_unique<spdlog::pattern_formatter>(pattern, spdlog::pattern_time_type::utc));
  logger->set_level(spdlog_level(console.level));
  logger->flush_on(spdlog::level::trace);
  return logger;
}

}  // namespace

LogLevel log_level_from_environment() {
  const char* value = std::getenv("SRCOMPOSE_LOG_LEVEL");
  if (value == nullptr) return LogLevel::info;
  const std::string_view name(value);
  if (name == "debug") return LogLevel::debug;
  if (name == "warning") return LogLevel::warning;
  if (name == "error") return LogLevel::error;
  return LogLevel::info;
}

std::string utc_timestamp_now() {
  return logfmt::timestamp(std::chrono::system_clock::now());
}

TerminalOutputs TerminalOutputs::detect() {
  return TerminalOutputs{.out = ::isatty(STDOUT_FILENO) == 1, .err = ::isatty(STDERR_FILENO) == 1};
}

LogSink::LogSink(std::filesystem::path logs_dir, ConsoleOptions console,
                 const std::vector<std::string>& container_names,
                 std::map<std::string, spec::Logging, std::less<>> logging,
                 TerminalOutputs terminals)
    : logs_dir_(std::move(logs_dir)),
      console_(std::move(console)),
      terminals_(terminals),
      logging_(std::move(logging)),
      own_lines_(make_own_lines_logger(console_)) {
  int index = 0;
  for (const auto& name : container_names) {
    name_width_ = std::max(name_width_, name.size());
    colors_[name] = kPalette[static_cast<size_t>(index++) % kPalette.size()];
  }
}

LogSink::LogFile& LogSink::log_file(std::string_view container) {
  auto found = files_.find(container);
  if (found != files_.end()) return found->second;
  LogFile file;
  if (auto limits = logging_.find(container); limits != logging_.end())
    file.limits = limits->second;
  auto path = logs_dir_ / (std::string(container) + ".log");
  file.fd = open_log(container, path, 0);
  struct stat info {};
  if (file.fd && ::fstat(file.fd.get(), &info) == 0)
    file.size = static_cast<uint64_t>(info.st_size);
  return files_.emplace(std::string(container), std::move(file)).first->second;
}

// O_NOFOLLOW: the logs directory is the supervisor's, but a symlink planted there must not turn
// appends into writes elsewhere. A failure is said once per opening (the failed fd is remembered
// until the next rotation): the output is not kept, `logs` will not show it.
UniqueFd LogSink::open_log(std::string_view container, const std::filesystem::path& path,
                           int extra_flags) {
  UniqueFd fd(::open(path.c_str(),
                     O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | extra_flags, 0600));
  if (!fd)
    progress(container, "warning: " + Error::last_errno("open " + path.string()).to_string());
  return fd;
}

// name.log -> name.log.1 -> ... -> name.log.<max_file - 1>, the oldest dropped by the rename over
// it; with max_file = 1 the file starts again empty. A failure leaves the file growing no further
// than the next attempt: the fd is closed and reopened either way.
void LogSink::rotate(std::string_view container, LogFile& file) {
  const std::string base = (logs_dir_ / std::string(container)).string() + ".log";
  file.fd.reset();
  file.size = 0;
  int extra_flags = 0;
  if (file.limits.max_file <= 1) {
    extra_flags = O_TRUNC;
  } else {
    for (uint32_t index = file.limits.max_file - 1; index >= 1; --index) {
      std::string from = index == 1 ? base : base + "." + std::to_string(index - 1);
      std::string to = base + "." + std::to_string(index);
      (void)::rename(from.c_str(), to.c_str());  // ENOENT: fewer files so far
    }
  }
  file.fd = open_log(container, base, extra_flags);
}

void LogSink::write_record(std::string_view container, std::string_view record) {
  LogFile& file = log_file(container);
  if (file.size > 0 && file.size + record.size() > file.limits.max_size) rotate(container, file);
  if (!file.fd) return;
  write_all(file.fd.get(), record);
  file.size += record.size();
}

std::string LogSink::console_prefix(std::string_view container) const {
  std::string name(container);
  name.resize(std::max(name_width_, name.size()), ' ');
  if (!console_.color) return name + " | ";
  auto color = colors_.find(container);
  int code = color == colors_.end() ? 37 : color->second;
  return "\033[" + std::to_string(code) + "m" + name + " |\033[0m ";
}

void LogSink::container_output(std::string_view container, Stream stream, std::string_view lines) {
  if (lines.empty()) return;
  std::string record;
  record.reserve(lines.size() + 64);
  logfmt::append_record(record, utc_timestamp_now(), stream == Stream::out ? "stdout" : "stderr",
                        lines);
  write_record(container, record);
  print_lines(container, stream, lines);
}

void LogSink::container_line(std::string_view container, Stream stream, std::string_view text) {
  std::string line(text);
  line += '\n';
  container_output(container, stream, line);
}

void LogSink::print_lines(std::string_view container, Stream stream, std::string_view lines) {
  if (!console_.enabled) return;
  const bool attached = !console_.attached.empty();
  if (attached && container != console_.attached) return;
  const bool to_stdout = !attached || stream == Stream::out;
  const bool terminal = to_stdout ? terminals_.out : terminals_.err;
  const std::string prefix = attached ? "" : console_prefix(container);
  std::string out;
  out.reserve(lines.size() + 16);
  while (!lines.empty()) {
    size_t newline = lines.find('\n');
    std::string_view text = lines.substr(0, newline);
    lines.remove_prefix(newline == std::string_view::npos ? lines.size() : newline + 1);
    out += prefix;
    append_console_text(out, text, terminal);
    out += '\n';
  }
  write_all(to_stdout ? STDOUT_FILENO : STDERR_FILENO, out);
}

void LogSink::progress(std::string_view container, std::string_view text) {
  const auto level = spdlog_level(level_of(text));
  if (!own_lines_->should_log(level)) return;
  std::string line;
  if (!container.empty()) {
    line += console_.color ? "\033[1m" + std::string(container) + "\033[0m "
                           : std::string(container) + " ";
  }
  append_console_text(line, text, terminals_.err);
  own_lines_->log(level, spdlog::string_view_t(line));
}

}  // namespace srcompose::supervisor
