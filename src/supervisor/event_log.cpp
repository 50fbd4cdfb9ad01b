// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/event_log.hpp"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec/values.hpp"
#include "supervisor/log_sink.hpp"

namespace srcompose::supervisor {

EventLog::EventLog(std::filesystem::path file, std::string project, Warn warn, uint64_t max_size)
    : file_(std::move(file)),
      project_(std::move(project)),
      warn_(std::move(warn)),
      max_size_(max_size) {}

void EventLog::lab(std::string_view type) {
  append(type, {}, {});
}

void EventLog::start(std::string_view container, pid_t pid, uint64_t run) {
  append("start", container, {{"pid", pid}, {"run", run}});
}

void EventLog::exit(std::string_view container, const RunEnd& end) {
  json::object fields{{"exit_code", end.exit_code}, {"signal", end.signal}};
  if (end.signal != 0) {
    fields["signal_name"] = spec::signal_name(end.signal);
  }
  fields["oom_killed"] = end.oom_killed;
  fields["status"] = end.verdict;
  fields["reason"] = end.reason();
  append("exit", container, std::move(fields));
}

void EventLog::oom(std::string_view container, uint64_t oom_kills) {
  append("oom", container, {{"oom_kills", oom_kills}});
}

void EventLog::restart(std::string_view container, uint64_t restart_count,
                       std::chrono::milliseconds delay, const RunEnd& after) {
  append(
      "restart", container,
      {{"restart_count", restart_count}, {"delay_ms", delay.count()}, {"after", after.reason()}});
}

void EventLog::health(std::string_view container, std::string_view status, uint32_t failures) {
  append("health", container, {{"status", status}, {"failures", failures}});
}

void EventLog::paused(std::string_view container, bool paused) {
  append(paused ? "pause" : "unpause", container, {});
}

void EventLog::failed(std::string_view container, std::string_view error) {
  append("failed", container, {{"error", error}});
}

// The file is opened on the first event (the state directory exists by then) and after each
// rotation. O_NOFOLLOW: a symlink planted in the state directory must not turn appends into writes
// elsewhere.
void EventLog::append(std::string_view type, std::string_view container, json::object fields) {
  json::object event{{"time", utc_timestamp_now()}, {"type", type}, {"project", project_}};
  if (!container.empty()) event["container"] = container;
  for (auto& field : fields)
    event[field.key()] = std::move(field.value());
  std::string line = json::serialize(event) + "\n";
  if (fd_ && size_ > 0 && size_ + line.size() > max_size_) rotate();
  if (!fd_) {
    fd_.reset(::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600));
    struct stat info {};
    if (fd_ && ::fstat(fd_.get(), &info) == 0) size_ = static_cast<uint64_t>(info.st_size);
  }
  ssize_t written = fd_ ? ::write(fd_.get(), line.data(), line.size()) : -1;
  int error = errno;
  if (written == static_cast<ssize_t>(line.size())) {
    size_ += line.size();
    return;
  }
  if (!warned_ && warn_) {
    warned_ = true;
    warn_("events: write " + file_.string() + ": " +
          (written < 0 ? std::string(strerror(error)) : std::string("short write")) +
          " (later events may be lost too)");
  }
}

// rename(2) replaces events.jsonl.1 at once: a reader sees the old file under one name or the
// other.
void EventLog::rotate() {
  fd_.reset();
  size_ = 0;
  std::filesystem::path previous = file_.string() + ".1";
  if (::rename(file_.c_str(), previous.c_str()) != 0 && !warned_ && warn_) {
    int error = errno;
    warned_ = true;
    warn_("events: rename " + file_.string() + ": " + strerror(error));
  }
}

}  // namespace srcompose::supervisor
