// SPDX-License-Identifier: GPL-2.0-or-later
// Unpacking tarball images with libarchive, in a forked child.
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
#include "rootfs/libarchive.hpp"
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

// Unpacks one archive with the libarchive loaded in the parent (the child must not dlopen: a pool
// thread may have held the dynamic loader's lock at the fork).
class Unpacker {
 public:
  Unpacker(const LibArchive& libarchive, int report_fd)
      : libarchive_(libarchive), report_fd_(report_fd) {}
  // Runs in the forked child, inside the destination (its working directory). False when it
  // failed (and said why).
  bool unpack(int tar_fd);

 private:
  // archive_read_free or archive_write_free, as the handle needs.
  struct Free {
    decltype(&::archive_read_free) release;
    void operator()(archive* handle) const { release(handle); }
  };
  using Handle = std::unique_ptr<archive, Free>;

  std::string message(archive* handle) const;
  bool add_filters(archive* reader) const;
  bool copy_entry_data(archive* reader, archive* writer, const std::string& path) const;
  bool unpack_entry(archive* reader, archive* writer, archive_entry* entry);
  // Returns false, for `return failed(...)` in the steps above.
  bool failed(const std::string& text) const { return report(report_fd_, 'E', text), false; }

  const LibArchive& libarchive_;
  int report_fd_;
  std::set<std::string> skipped_;  // device nodes left out, so that hard links to them are too
};

std::string Unpacker::message(archive* handle) const {
  const char* text = libarchive_.archive_error_string(handle);
  return text ? text : "unknown libarchive error";
}

// Only filters libarchive implements itself: a filter it would run as an external program
// (ARCHIVE_WARN) is refused rather than spawned.
bool Unpacker::add_filters(archive* reader) const {
  struct Filter {
    decltype(&::archive_read_support_filter_gzip) add;
    const char* name;
  };
  const Filter filters[] = {{libarchive_.archive_read_support_filter_gzip, "gzip"},
                            {libarchive_.archive_read_support_filter_xz, "xz"},
                            {libarchive_.archive_read_support_filter_bzip2, "bzip2"},
                            {libarchive_.archive_read_support_filter_zstd, "zstd"}};
  for (const auto& filter : filters) {
    if (filter.add(reader) != ARCHIVE_OK) {
      return failed(std::string("libarchive has no built-in ") + filter.name + " support");
    }
  }
  return true;
}

// The entry's data, from the archive to the disk. False when it failed (and said why).
bool Unpacker::copy_entry_data(archive* reader, archive* writer, const std::string& path) const {
  const void* block = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  int rc = ARCHIVE_OK;
  while ((rc = libarchive_.archive_read_data_block(reader, &block, &size, &offset)) == ARCHIVE_OK) {
    if (libarchive_.archive_write_data_block(writer, block, size, offset) < ARCHIVE_OK) {
      return failed("write " + path + ": " + message(writer));
    }
  }
  if (rc != ARCHIVE_EOF) return failed("read " + path + ": " + message(reader));
  return true;
}

// One entry written to the disk; device nodes, and hard links to them, left out. False when it
// failed (and said why).
bool Unpacker::unpack_entry(archive* reader, archive* writer, archive_entry* entry) {
  const char* name = libarchive_.archive_entry_pathname(entry);
  std::string path = name ? name : "";
  auto type = libarchive_.archive_entry_filetype(entry);
  if (type == AE_IFCHR || type == AE_IFBLK) {
    // A user namespace cannot create them, and a cached image must not carry host devices.
    report(report_fd_, 'N', "skipped device node " + path);
    skipped_.insert(path);
    return true;
  }
  if (const char* target = libarchive_.archive_entry_hardlink(entry);
      target && skipped_.count(target)) {
    report(report_fd_, 'N', "skipped hard link " + path + " to device node " + target);
    return true;
  }
  int rc = libarchive_.archive_write_header(writer, entry);
  if (rc < ARCHIVE_WARN) return failed("entry " + path + ": " + message(writer));
  if (rc == ARCHIVE_WARN) report(report_fd_, 'N', path + ": " + message(writer));
  if (libarchive_.archive_entry_size(entry) > 0 && !copy_entry_data(reader, writer, path))
    return false;
  if (libarchive_.archive_write_finish_entry(writer) < ARCHIVE_WARN) {
    return failed("finish " + path + ": " + message(writer));
  }
  return true;
}

bool Unpacker::unpack(int tar_fd) {
  Handle reader(libarchive_.archive_read_new(), {libarchive_.archive_read_free});
  Handle writer(libarchive_.archive_write_disk_new(), {libarchive_.archive_write_free});
  if (!reader || !writer) return failed("libarchive: out of memory");
  libarchive_.archive_read_support_format_tar(reader.get());
  if (!add_filters(reader.get())) return false;
  libarchive_.archive_write_disk_set_options(writer.get(), kExtractFlags);
  if (libarchive_.archive_read_open_fd(reader.get(), tar_fd, 1 << 16) != ARCHIVE_OK) {
    return failed("open archive: " + message(reader.get()));
  }
  while (true) {
    archive_entry* entry = nullptr;
    int rc = libarchive_.archive_read_next_header(reader.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) return failed(message(reader.get()));
    if (!unpack_entry(reader.get(), writer.get(), entry)) return false;
  }
  // Directory modes and times are applied here, after their contents were written.
  if (libarchive_.archive_write_close(writer.get()) < ARCHIVE_WARN) {
    return failed("close: " + message(writer.get()));
  }
  return true;
}

}  // namespace

Status extract_tarball(int tar_fd, const std::filesystem::path& destination,
                       std::vector<std::string>& notes) {
  auto libarchive = sys::loaded_functions<LibArchive>();
  if (!libarchive) return std::move(libarchive).error().context("unpack tarball");
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
    ::_exit(Unpacker(**libarchive, write_end.get()).unpack(tar_fd) ? 0 : 1);
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
