// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <iterator>
#include <thread>

#include "common/unique_fd.hpp"
#include "sys/file_io.hpp"
#include "test_support.hpp"

namespace sys = srcompose::sys;
using srcompose::UniqueFd;
using srcompose::sys::read_whole_file;

TEST_CASE("read_whole_file reads a file whole, refuses one past its cap and names a missing one") {
  srcompose::test::TempDir dir;
  std::string big(20000, 'x');
  srcompose::test::write_file(dir.path() / "big", big);
  auto read = read_whole_file(dir.path() / "big");
  REQUIRE(read.ok());
  CHECK(*read == big);
  auto capped = read_whole_file(dir.path() / "big", 1000);
  REQUIRE_FALSE(capped.ok());
  CHECK(capped.error().to_string().find("larger than 1000 bytes") != std::string::npos);
  auto missing = read_whole_file(dir.path() / "none");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().error_number() == ENOENT);
  CHECK(missing.error().to_string().find("none") != std::string::npos);
}

namespace {

mode_t mode_of(const std::filesystem::path& path) {
  struct stat info {};
  REQUIRE(::lstat(path.c_str(), &info) == 0);
  return info.st_mode;
}

}  // namespace

TEST_CASE("write_file_atomically replaces the file whole, with its mode, and leaves no temporary") {
  srcompose::test::TempDir dir;
  auto file = dir.path() / "state.json";
  srcompose::test::write_file(file, "old content that is longer");
  const mode_t old_umask = ::umask(077);
  auto written = sys::write_file_atomically(file, "new", 0640);
  ::umask(old_umask);
  REQUIRE(written.ok());
  CHECK(srcompose::test::read_file(file) == "new");
  CHECK((mode_of(file) & 07777) == 0640);  // the umask does not apply
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                      std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("write_file_atomically replaces a symlink at the target instead of writing through it") {
  srcompose::test::TempDir dir;
  auto outside = dir.path() / "outside";
  srcompose::test::write_file(outside, "keep");
  std::filesystem::create_symlink(outside, dir.path() / "link");
  // A temporary left by a crash, as a symlink too: replaced, never followed.
  std::filesystem::create_symlink(outside, dir.path() / ".link.srcompose-tmp");
  REQUIRE(sys::write_file_atomically(dir.path() / "link", "mine").ok());
  CHECK(srcompose::test::read_file(outside) == "keep");
  CHECK(S_ISREG(mode_of(dir.path() / "link")));
  CHECK(srcompose::test::read_file(dir.path() / "link") == "mine");
  CHECK_FALSE(
      std::filesystem::exists(std::filesystem::symlink_status(dir.path() / ".link.srcompose-tmp")));
}

TEST_CASE("write_file_atomically_at writes beneath a directory fd; a failure leaves the target") {
  srcompose::test::TempDir dir;
  UniqueFd dir_fd(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(dir_fd);
  REQUIRE(sys::write_file_atomically_at(dir_fd.get(), "passwd", "root:x:0:0::/:/bin/sh\n", 0644,
                                        sys::FileOwner{::getuid(), ::getgid()})
              .ok());
  CHECK(srcompose::test::read_file(dir.path() / "passwd") == "root:x:0:0::/:/bin/sh\n");
  CHECK((mode_of(dir.path() / "passwd") & 07777) == 0644);
  // A directory at the target: the rename fails, the error names both, the temporary is gone.
  std::filesystem::create_directory(dir.path() / "taken");
  std::filesystem::create_directory(dir.path() / "taken" / "inside");
  auto refused = sys::write_file_atomically_at(dir_fd.get(), "taken", "x", 0600);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().to_string().find("rename .taken.srcompose-tmp taken") != std::string::npos);
  CHECK(std::filesystem::is_directory(dir.path() / "taken" / "inside"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / ".taken.srcompose-tmp"));
}

TEST_CASE("write_new_file_at creates the file with its mode and owner, and refuses any existing") {
  srcompose::test::TempDir dir;
  UniqueFd dir_fd(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(dir_fd);
  const mode_t old_umask = ::umask(077);
  auto written = sys::write_new_file_at(dir_fd.get(), "hostname", "box\n", 0644,
                                        sys::FileOwner{::getuid(), ::getgid()});
  ::umask(old_umask);
  REQUIRE(written.ok());
  CHECK(srcompose::test::read_file(dir.path() / "hostname") == "box\n");
  CHECK((mode_of(dir.path() / "hostname") & 07777) == 0644);  // the umask does not apply
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                      std::filesystem::directory_iterator()) == 1);
  // Whatever is at the name (a file, a symlink to one outside) is an error, never written through
  // nor replaced.
  auto again = sys::write_new_file_at(dir_fd.get(), "hostname", "other\n", 0644);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().error_number() == EEXIST);
  CHECK(again.error().to_string().find("create hostname") != std::string::npos);
  CHECK(srcompose::test::read_file(dir.path() / "hostname") == "box\n");
  auto outside = dir.path() / "outside";
  srcompose::test::write_file(outside, "keep");
  std::filesystem::create_symlink(outside, dir.path() / "hosts");
  REQUIRE_FALSE(sys::write_new_file_at(dir_fd.get(), "hosts", "mine", 0644).ok());
  CHECK(srcompose::test::read_file(outside) == "keep");
  CHECK(std::filesystem::is_symlink(dir.path() / "hosts"));
}

TEST_CASE("rewrite_in_place keeps the inode and replaces the whole content; write_all writes all") {
  srcompose::test::TempDir dir;
  auto file = dir.path() / "registry";
  srcompose::test::write_file(file, "a much longer first content\n");
  UniqueFd fd(::open(file.c_str(), O_RDWR | O_CLOEXEC));
  REQUIRE(fd);
  struct stat before {};
  REQUIRE(::fstat(fd.get(), &before) == 0);
  REQUIRE(sys::rewrite_in_place(fd.get(), "short\n", "registry").ok());
  CHECK(srcompose::test::read_file(file) == "short\n");
  CHECK(mode_of(file) == before.st_mode);
  struct stat after {};
  REQUIRE(::stat(file.c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);

  std::string big(1 << 20, 'y');  // more than a pipe holds: written in several calls
  int pipe_fds[2];
  REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  std::string received;
  std::thread reader([&] { received = *sys::read_to_end(read_end.get(), "pipe"); });
  auto status = sys::write_all(write_end.get(), big, "pipe");
  write_end.reset();
  reader.join();
  CHECK(status.ok());
  CHECK(received == big);
  auto closed = sys::write_all(-1, "x", "nowhere");
  REQUIRE_FALSE(closed.ok());
  CHECK(closed.error().to_string() == "write nowhere: Bad file descriptor");
}
