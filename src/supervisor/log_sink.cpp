#include "supervisor/log_sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <ctime>

#include "common/terminal_text.hpp"

namespace srcompose::supervisor {

namespace {

// The ANSI colours docker compose cycles through for service names.
constexpr std::array<int, 6> kPalette = {36, 33, 32, 35, 34, 31};

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // a full disk or closed terminal must not stop the supervisor
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
}

void append_console_text(std::string& line, std::string_view text, bool terminal) {
  if (terminal) {
    append_for_terminal(line, text);
  } else {
    line += text;
  }
}

}  // namespace

std::string utc_timestamp_now() {
  auto now = std::chrono::system_clock::now();
  auto seconds = std::chrono::system_clock::to_time_t(now);
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1'000'000;
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<long long>(micros));
  return text;
}

TerminalOutputs TerminalOutputs::detect() {
  return TerminalOutputs{.out = ::isatty(STDOUT_FILENO) == 1, .err = ::isatty(STDERR_FILENO) == 1};
}

LogSink::LogSink(std::filesystem::path logs_dir, ConsoleOptions console,
                 const std::vector<std::string>& container_names, TerminalOutputs terminals)
    : logs_dir_(std::move(logs_dir)), console_(console), terminals_(terminals) {
  int index = 0;
  for (const auto& name : container_names) {
    name_width_ = std::max(name_width_, name.size());
    colors_[name] = kPalette[static_cast<size_t>(index++) % kPalette.size()];
  }
}

int LogSink::log_fd(std::string_view container) {
  auto found = files_.find(container);
  if (found != files_.end()) return found->second.get();
  auto path = logs_dir_ / (std::string(container) + ".log");
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600));
  int raw = fd.get();
  // Said once (the failed fd is remembered): the output is not kept, `logs` will not show it.
  if (!fd)
    progress(container, "warning: " + Error::last_errno("open " + path.string()).to_string());
  files_.emplace(std::string(container), std::move(fd));
  return raw;
}

std::string LogSink::console_prefix(std::string_view container) const {
  std::string name(container);
  name.resize(std::max(name_width_, name.size()), ' ');
  if (!console_.color) return name + " | ";
  auto color = colors_.find(container);
  int code = color == colors_.end() ? 37 : color->second;
  return "\033[" + std::to_string(code) + "m" + name + " |\033[0m ";
}

void LogSink::container_line(std::string_view container, Stream stream, std::string_view text) {
  int fd = log_fd(container);
  if (fd >= 0) {
    std::string record = utc_timestamp_now();
    record += stream == Stream::out ? " stdout " : " stderr ";
    record += text;
    record += '\n';
    write_all(fd, record);
  }
  if (console_.enabled && !console_.attached.empty()) {
    if (container != console_.attached) return;
    bool to_stdout = stream == Stream::out;
    std::string line;
    append_console_text(line, text, to_stdout ? terminals_.out : terminals_.err);
    line += '\n';
    write_all(to_stdout ? STDOUT_FILENO : STDERR_FILENO, line);
  } else if (console_.enabled) {
    std::string line = console_prefix(container);
    append_console_text(line, text, terminals_.out);
    line += '\n';
    write_all(STDOUT_FILENO, line);
  }
}

void LogSink::progress(std::string_view container, std::string_view text) {
  std::string line;
  // Detached, stderr is supervisor.log: warnings, restarts and teardown failures go there, with
  // the time, since nobody watches them live.
  if (!console_.enabled) line = utc_timestamp_now() + " ";
  if (!container.empty()) {
    line = console_.color ? "\033[1m" + std::string(container) + "\033[0m "
                          : std::string(container) + " ";
  }
  append_console_text(line, text, terminals_.err);
  line += '\n';
  write_all(STDERR_FILENO, line);
}

}  // namespace srcompose::supervisor
