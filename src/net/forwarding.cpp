// SPDX-License-Identifier: GPL-2.0-or-later
#include "net/forwarding.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "common/lines.hpp"
#include "common/unique_fd.hpp"
#include "net/sysctl.hpp"
#include "sys/file_io.hpp"

namespace srcompose::net {
namespace {

constexpr const char* kForwardingSysctl = "net/ipv4/ip_forward";
constexpr std::string_view kOriginalKey = "original=";
constexpr std::string_view kProjectKey = "project=";

// The record's content: "original=0\nproject=a\nproject=b\n". No original line: no record.
struct Record {
  std::optional<std::string> original;
  std::vector<std::string> projects;
};

Record parse_record(std::string_view text) {
  Record record;
  for (std::string_view line : split_lines(text)) {
    if (line.starts_with(kOriginalKey)) {
      record.original = std::string(line.substr(kOriginalKey.size()));
    } else if (line.starts_with(kProjectKey)) {
      record.projects.emplace_back(line.substr(kProjectKey.size()));
    }
  }
  return record;
}

std::string render_record(const Record& record) {
  if (!record.original || record.projects.empty()) return "";
  std::string text = std::string(kOriginalKey) + *record.original + "\n";
  for (const auto& project : record.projects)
    text += std::string(kProjectKey) + project + "\n";
  return text;
}

// The record, opened and locked: beneath its directory's fd, never through a symlink, and only
// when it is a regular file of root's (anyone else could otherwise choose what `down` writes into
// the sysctl). The lock goes with the fd. The file is never unlinked (an empty one is no record),
// so a waiter never locks a file that is gone.
Result<UniqueFd> open_locked(const std::filesystem::path& record) {
  const auto directory = record.parent_path();
  if (::mkdir(directory.c_str(), 0755) < 0 && errno != EEXIST) {
    return Error::last_errno("mkdir " + directory.string());
  }
  UniqueFd directory_fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!directory_fd) return Error::last_errno("open " + directory.string());
  UniqueFd fd(::openat(directory_fd.get(), record.filename().c_str(),
                       O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return Error::last_errno("open " + record.string());
  struct stat info {};
  if (::fstat(fd.get(), &info) < 0) return Error::last_errno("fstat " + record.string());
  if (!S_ISREG(info.st_mode) || info.st_uid != ::geteuid() || (info.st_mode & 0022) != 0) {
    return Error::message(record.string() +
                          " is not a regular file of srcompose's user writable only by it");
  }
  while (::flock(fd.get(), LOCK_EX) < 0) {
    if (errno != EINTR) return Error::last_errno("flock " + record.string());
  }
  return fd;
}

// The record, opened and locked (open_locked), and what it holds. Rewritten in place through `fd`
// (not renamed over): the lock is on this inode.
struct LockedRecord {
  UniqueFd fd;
  Record record;
};
Result<LockedRecord> read_locked_record(const std::filesystem::path& record_path) {
  auto fd = open_locked(record_path);
  if (!fd) return std::move(fd).error();
  auto text = sys::read_to_end(fd->get(), record_path.string());
  if (!text) return std::move(text).error();
  return LockedRecord{std::move(*fd), parse_record(*text)};
}

Result<std::string> read_forwarding() {
  const std::string path = std::string("/proc/sys/") + kForwardingSysctl;
  auto text = sys::read_whole_file(path);
  if (!text) return text;
  while (!text->empty() && (text->back() == '\n' || text->back() == ' '))
    text->pop_back();
  if (*text != "0" && *text != "1") return Error::message(path + " reads '" + *text + "'");
  return text;
}

}  // namespace

Status hold_ipv4_forwarding(std::string_view project, const std::filesystem::path& record_path) {
  auto locked = read_locked_record(record_path);
  if (!locked) return std::move(locked).error().context("hold net.ipv4.ip_forward");
  Record& record = locked->record;
  if (!record.original || record.projects.empty()) {
    auto current = read_forwarding();
    if (!current) return std::move(current).error().context("hold net.ipv4.ip_forward");
    record = Record{.original = *current, .projects = {}};
  }
  if (std::find(record.projects.begin(), record.projects.end(), project) == record.projects.end()) {
    record.projects.emplace_back(project);
  }
  if (auto status =
          sys::rewrite_in_place(locked->fd.get(), render_record(record), record_path.string());
      !status) {
    return std::move(status).error().context("hold net.ipv4.ip_forward");
  }
  if (auto status = write_sysctl(kForwardingSysctl, "1"); !status) {
    return std::move(status).error().context("hold net.ipv4.ip_forward");
  }
  return {};
}

Status release_ipv4_forwarding(std::string_view project, const std::filesystem::path& record_path) {
  auto locked = read_locked_record(record_path);
  if (!locked) return std::move(locked).error().context("release net.ipv4.ip_forward");
  Record& record = locked->record;
  auto held = std::find(record.projects.begin(), record.projects.end(), project);
  if (held == record.projects.end()) return {};
  record.projects.erase(held);
  // The sysctl first: a crash before the record is rewritten only repeats this at the next
  // release, while the other order could forget the value to put back.
  if (record.projects.empty() && record.original) {
    if (auto status = write_sysctl(kForwardingSysctl, *record.original); !status) {
      return std::move(status).error().context("put back net.ipv4.ip_forward");
    }
  }
  if (auto status =
          sys::rewrite_in_place(locked->fd.get(), render_record(record), record_path.string());
      !status) {
    return std::move(status).error().context("release net.ipv4.ip_forward");
  }
  return {};
}

}  // namespace srcompose::net
