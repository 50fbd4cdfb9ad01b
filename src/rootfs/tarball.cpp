// SPDX-License-Identifier: GPL-2.0-or-later
// Unpacking tarball images with libarchive, in a forked child.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <set>
#include <string_view>

#include "common/lines.hpp"
#include "rootfs/fs.hpp"
#include "rootfs/image.hpp"
#include "sys/file_io.hpp"
#include "sys/process.hpp"

namespace srcompose::rootfs {
namespace {

// libarchive's path checks do the escape protection; owners are kept numerically (no lookup
// function is installed, so no NSS call and no name mapping); no file flags (an immutable bit would
// make the cache impossible to clean).
constexpr int kExtractFlags = ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                              ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_OWNER |
                              ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_ACL |
                              ARCHIVE_EXTRACT_XATTR;

// The child reports over a pipe, one line each: "N text" for a note, "E text" for the error that
// stopped it.
void report(int fd, char kind, std::string_view text) {
  std::string line;
  line += kind;
  line += ' ';
  for (char c : text)
    line += (c == '\n' ? ' ' : c);
  line += '\n';
  (void)sys::write_all(fd, line, "report");
}

std::string archive_message(archive* handle) {
  const char* text = archive_error_string(handle);
  return text ? text : "unknown libarchive error";
}

struct ReadRelease {
  void operator()(archive* handle) const { archive_read_free(handle); }
};
struct WriteRelease {
  void operator()(archive* handle) const { archive_write_free(handle); }
};

// Only filters libarchive implements itself: a filter it would run as an external program
// (ARCHIVE_WARN) is refused rather than spawned.
bool add_filters(archive* reader, int report_fd) {
  struct Filter {
    int (*add)(archive*);
    const char* name;
  };
  constexpr Filter kFilters[] = {{archive_read_support_filter_gzip, "gzip"},
                                 {archive_read_support_filter_xz, "xz"},
                                 {archive_read_support_filter_bzip2, "bzip2"},
                                 {archive_read_support_filter_zstd, "zstd"}};
  for (const auto& filter : kFilters) {
    if (filter.add(reader) != ARCHIVE_OK) {
      report(report_fd, 'E', std::string("libarchive has no built-in ") + filter.name + " support");
      return false;
    }
  }
  return true;
}

// The entry's data, from the archive to the disk. False when it failed (and said why).
bool copy_entry_data(archive* reader, archive* writer, const std::string& path, int report_fd) {
  const void* block = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  int rc = ARCHIVE_OK;
  while ((rc = archive_read_data_block(reader, &block, &size, &offset)) == ARCHIVE_OK) {
    if (archive_write_data_block(writer, block, size, offset) < ARCHIVE_OK) {
      return report(report_fd, 'E', "write " + path + ": " + archive_message(writer)), false;
    }
  }
  if (rc != ARCHIVE_EOF) {
    return report(report_fd, 'E', "read " + path + ": " + archive_message(reader)), false;
  }
  return true;
}

// One entry written to the disk; device nodes, and hard links to them (`skipped`), left out. False
// when it failed (and said why).
bool unpack_entry(archive* reader, archive* writer, archive_entry* entry,
                  std::set<std::string>& skipped, int report_fd) {
  std::string path = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
  auto type = archive_entry_filetype(entry);
  if (type == AE_IFCHR || type == AE_IFBLK) {
    // A user namespace cannot create them, and a cached image must not carry host devices.
    report(report_fd, 'N', "skipped device node " + path);
    skipped.insert(path);
    return true;
  }
  if (const char* target = archive_entry_hardlink(entry); target && skipped.count(target)) {
    report(report_fd, 'N', "skipped hard link " + path + " to device node " + target);
    return true;
  }
  int rc = archive_write_header(writer, entry);
  if (rc < ARCHIVE_WARN) {
    return report(report_fd, 'E', "entry " + path + ": " + archive_message(writer)), false;
  }
  if (rc == ARCHIVE_WARN) report(report_fd, 'N', path + ": " + archive_message(writer));
  if (archive_entry_size(entry) > 0 && !copy_entry_data(reader, writer, path, report_fd))
    return false;
  if (archive_write_finish_entry(writer) < ARCHIVE_WARN) {
    return report(report_fd, 'E', "finish " + path + ": " + archive_message(writer)), false;
  }
  return true;
}

// Runs in the forked child, inside `destination` (its working directory). Returns the exit code.
int unpack(int tar_fd, int report_fd) {
  std::unique_ptr<archive, ReadRelease> reader(archive_read_new());
  std::unique_ptr<archive, WriteRelease> writer(archive_write_disk_new());
  if (!reader || !writer) return report(report_fd, 'E', "libarchive: out of memory"), 1;
  archive_read_support_format_tar(reader.get());
  if (!add_filters(reader.get(), report_fd)) return 1;
  archive_write_disk_set_options(writer.get(), kExtractFlags);
  if (archive_read_open_fd(reader.get(), tar_fd, 1 << 16) != ARCHIVE_OK) {
    return report(report_fd, 'E', "open archive: " + archive_message(reader.get())), 1;
  }
  std::set<std::string> skipped;  // device nodes left out, so that hard links to them are too
  while (true) {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(reader.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) return report(report_fd, 'E', archive_message(reader.get())), 1;
    if (!unpack_entry(reader.get(), writer.get(), entry, skipped, report_fd)) return 1;
  }
  // Directory modes and times are applied here, after their contents were written.
  if (archive_write_close(writer.get()) < ARCHIVE_WARN) {
    return report(report_fd, 'E', "close: " + archive_message(writer.get())), 1;
  }
  return 0;
}

}  // namespace

Status extract_tarball(int tar_fd, const std::filesystem::path& destination,
                       std::vector<std::string>& notes) {
  std::array<int, 2> pipe_fds{};
  if (::pipe2(pipe_fds.data(), O_CLOEXEC) < 0) return Error::last_errno("pipe2");
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  // A child, not the supervisor itself: the chdir stays out of the supervisor, and a libarchive
  // crash or leak on a hostile archive ends with the child.
  pid_t pid = ::fork();
  if (pid < 0) return Error::last_errno("fork");
  if (pid == 0) {
    read_end.reset();
    ::umask(022);
    if (::chdir(destination.c_str()) < 0) {
      report(write_end.get(), 'E', "chdir " + destination.string() + ": " + std::strerror(errno));
      ::_exit(1);
    }
    ::_exit(unpack(tar_fd, write_end.get()));
  }
  auto pidfd = sys::open_pidfd(pid);
  if (!pidfd) {
    ::kill(pid, SIGKILL);  // not owned yet: nothing else would end it
    ::waitpid(pid, nullptr, 0);
    return std::move(pidfd).error();
  }
  sys::ChildProcess child(pid, std::move(*pidfd));
  write_end.reset();
  auto output = sys::read_to_end(read_end.get(), "unpack report", 16 << 20);
  auto exit = child.wait();
  if (!output) return std::move(output).error().context("unpack " + destination.string());
  if (!exit) return std::move(exit).error().context("unpack " + destination.string());
  std::string failure;
  for (std::string_view line : split_lines(*output)) {
    if (line.size() < 2) continue;
    if (line[0] == 'N') notes.emplace_back(line.substr(2));
    if (line[0] == 'E') failure = line.substr(2);
  }
  if (exit->exit_code != 0) {
    if (failure.empty()) failure = "unpacking child exited with " + std::to_string(exit->exit_code);
    return Error::message("unpack tarball: " + failure);
  }
  return {};
}

}  // namespace srcompose::rootfs
