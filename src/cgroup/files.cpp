// SPDX-License-Identifier: GPL-2.0-or-later
#include "cgroup/files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <ctime>

#include "common/unique_fd.hpp"
#include "sys/file_io.hpp"

namespace srcompose::cgroup {

namespace {

std::optional<uint64_t> to_number(std::string_view text) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  return text;
}

}  // namespace

std::vector<std::string_view> split(std::string_view text, std::string_view separators) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(separators, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) pieces.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return pieces;
}

namespace {

Status write_to(int fd, const std::filesystem::path& file, std::string_view value) {
  auto operation = [&] { return "write " + file.string() + " = " + std::string(value); };
  ssize_t written = ::write(fd, value.data(), value.size());
  if (written < 0) return Error::last_errno(operation());
  if (static_cast<size_t>(written) != value.size()) {
    return Error::message(operation() + ": short write");
  }
  return {};
}

Result<UniqueFd> open_for_writing(const std::filesystem::path& file, std::string_view first) {
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd) return Error::last_errno("write " + file.string() + " = " + std::string(first));
  return fd;
}

}  // namespace

Status write_value(const std::filesystem::path& file, std::string_view value) {
  auto fd = open_for_writing(file, value);
  if (!fd) return std::move(fd).error();
  return write_to(fd->get(), file, value);
}

Status write_each(const std::filesystem::path& file, const std::vector<std::string>& values) {
  if (values.empty()) return {};
  auto fd = open_for_writing(file, values.front());
  if (!fd) return std::move(fd).error();
  for (const auto& value : values) {
    if (auto status = write_to(fd->get(), file, value); !status) return status;
  }
  return {};
}

Result<std::string> read_value(const std::filesystem::path& file) {
  return sys::read_whole_file(file);
}

Result<std::string> read_trimmed(const std::filesystem::path& file) {
  auto content = read_value(file);
  if (!content) return std::move(content).error();
  return std::string(trim(*content));
}

Result<std::optional<uint64_t>> read_number(const std::filesystem::path& file) {
  auto content = read_trimmed(file);
  if (!content) return std::move(content).error();
  if (*content == "max") return std::optional<uint64_t>{};
  auto value = to_number(*content);
  if (!value)
    return Error::message("read " + file.string() + ": not a number: \"" + *content + "\"");
  return std::optional<uint64_t>{*value};
}

Result<uint64_t> read_counter(const std::filesystem::path& file) {
  auto value = read_number(file);
  if (!value) return std::move(value).error();
  return value->value_or(0);
}

Result<uint64_t> read_optional_counter(const std::filesystem::path& file) {
  auto value = read_number(file);
  if (!value) {
    if (value.error().error_number() == ENOENT) return uint64_t{0};
    return std::move(value).error();
  }
  return value->value_or(0);
}

uint64_t value_or_zero(const Result<std::optional<uint64_t>>& value) {
  return value.ok() && value->has_value() ? **value : 0;
}

Result<uint64_t> read_key(const std::filesystem::path& file, std::string_view key) {
  auto text = read_value(file);
  if (!text) return std::move(text).error();
  auto values = parse_flat_keyed(*text);
  auto found = values.find(key);
  return found == values.end() ? uint64_t{0} : found->second;
}

std::map<std::string, uint64_t, std::less<>> parse_flat_keyed(std::string_view text) {
  std::map<std::string, uint64_t, std::less<>> values;
  for (auto line : split(text, "\n")) {
    auto fields = split(line, " \t");
    if (fields.size() != 2) continue;
    if (auto value = to_number(fields[1])) values[std::string(fields[0])] = *value;
  }
  return values;
}

IoCounters parse_v2_io_stat(std::string_view text) {
  IoCounters counters;
  for (auto line : split(text, "\n")) {
    auto fields = split(line, " ");
    for (size_t i = 1; i < fields.size(); ++i) {
      size_t equals = fields[i].find('=');
      if (equals == std::string_view::npos) continue;
      auto key = fields[i].substr(0, equals);
      auto value = to_number(fields[i].substr(equals + 1)).value_or(0);
      if (key == "rbytes") counters.read_bytes += value;
      if (key == "wbytes") counters.write_bytes += value;
      if (key == "rios") counters.read_ops += value;
      if (key == "wios") counters.write_ops += value;
    }
  }
  return counters;
}

ReadWrite parse_v1_blkio_rwstat(std::string_view text) {
  ReadWrite totals;
  for (auto line : split(text, "\n")) {
    auto fields = split(line, " ");
    // "254:0 Read 4096"; the "Total N" summary line has two fields and is skipped.
    if (fields.size() != 3) continue;
    auto value = to_number(fields[2]).value_or(0);
    if (fields[1] == "Read") totals.read += value;
    if (fields[1] == "Write") totals.write += value;
  }
  return totals;
}

Status make_directory(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) {
    return Error::last_errno("mkdir " + dir.string());
  }
  return {};
}

Result<std::vector<pid_t>> list_procs_recursive(const std::filesystem::path& dir) {
  std::vector<pid_t> pids;
  auto content = read_value(dir / "cgroup.procs");
  if (!content) return std::move(content).error();
  for (auto line : split(*content, "\n")) {
    if (auto pid = to_number(line)) pids.push_back(static_cast<pid_t>(*pid));
  }
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (!entry.is_directory(error)) continue;
    auto below = list_procs_recursive(entry.path());
    if (!below) return std::move(below).error();
    pids.insert(pids.end(), below->begin(), below->end());
  }
  if (error) return Error::from_errno("list " + dir.string(), error.value());
  return pids;
}

Status remove_tree(const std::filesystem::path& dir) {
  // A container's cgroup rarely has children: one rmdir, and the listing (open, getdents of some
  // thirty kernel files, close, in every v1 hierarchy) only when the kernel says it has some.
  if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
  if (errno != EBUSY && errno != ENOTEMPTY) return Error::last_errno("rmdir " + dir.string());
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (!entry.is_directory(error) || entry.is_symlink(error)) continue;
    if (auto removed = remove_tree(entry.path()); !removed) return removed;
  }
  if (error && error.value() != ENOENT) {
    return Error::from_errno("list " + dir.string(), error.value());
  }
  if (::rmdir(dir.c_str()) < 0 && errno != ENOENT)
    return Error::last_errno("rmdir " + dir.string());
  return {};
}

int milliseconds_until(std::chrono::steady_clock::time_point deadline) {
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), -1, 1'000'000));
}

void sleep_milliseconds(int milliseconds) {
  timespec delay{milliseconds / 1000, static_cast<long>(milliseconds % 1000) * 1'000'000L};
  while (::nanosleep(&delay, &delay) < 0 && errno == EINTR) {
  }
}

}  // namespace srcompose::cgroup
