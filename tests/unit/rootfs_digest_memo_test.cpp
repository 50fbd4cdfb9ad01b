// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/unique_fd.hpp"
#include "rootfs/digest_memo.hpp"

using srcompose::UniqueFd;
using srcompose::rootfs::remembered_sha256;

namespace {

constexpr const char* kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr const char* kAbd = "a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9";

struct Scratch {
  std::filesystem::path dir;
  Scratch() {
    std::string pattern = (std::filesystem::temp_directory_path() / "memo.XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
  }
  ~Scratch() { std::filesystem::remove_all(dir); }
  std::filesystem::path file() const { return dir / "image.tar"; }
  void write(const std::string& content) const { std::ofstream(file()) << content; }
  std::string digest() const {
    UniqueFd fd(::open(file().c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(fd);
    auto digest = remembered_sha256(fd.get(), "image.tar", dir);
    REQUIRE_MESSAGE(digest.ok(), digest.error().to_string());
    return *digest;
  }
  // The one memo file in the directory.
  std::filesystem::path memo() const {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().filename().string().starts_with("digest-")) return entry.path();
    }
    return {};
  }
};

}  // namespace

TEST_CASE("a file's digest is remembered in a memo and read back while the file is unchanged") {
  Scratch scratch;
  scratch.write("abc");
  CHECK(scratch.digest() == kAbc);
  REQUIRE_FALSE(scratch.memo().empty());
  // The memo is what answers now: a memo with another digest for the same identity is believed.
  std::string text;
  std::getline(std::ifstream(scratch.memo()), text);
  REQUIRE(text.ends_with(kAbc));
  text.replace(text.size() - 64, 64, std::string(64, 'f'));
  std::ofstream(scratch.memo()) << text << "\n";
  CHECK(scratch.digest() == std::string(64, 'f'));
}

TEST_CASE("a file changed in place is hashed again, even with its size and mtime put back") {
  Scratch scratch;
  scratch.write("abc");
  CHECK(scratch.digest() == kAbc);
  struct stat before {};
  REQUIRE(::stat(scratch.file().c_str(), &before) == 0);
  ::usleep(10'000);  // ctime moves on
  scratch.write("abd");
  timespec times[2] = {before.st_atim, before.st_mtim};
  REQUIRE(::utimensat(AT_FDCWD, scratch.file().c_str(), times, 0) == 0);
  CHECK(scratch.digest() == kAbd);
}

TEST_CASE("a memo others could have written is not believed") {
  Scratch scratch;
  scratch.write("abc");
  CHECK(scratch.digest() == kAbc);
  std::string text;
  std::getline(std::ifstream(scratch.memo()), text);
  text.replace(text.size() - 64, 64, std::string(64, 'f'));
  std::ofstream(scratch.memo()) << text << "\n";
  REQUIRE(::chmod(scratch.memo().c_str(), 0622) == 0);
  CHECK(scratch.digest() == kAbc);
}

TEST_CASE("without a writable memo directory the digest is still right") {
  Scratch scratch;
  scratch.write("abc");
  UniqueFd fd(::open(scratch.file().c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd);
  auto digest = remembered_sha256(fd.get(), "image.tar", scratch.dir / "missing");
  REQUIRE(digest.ok());
  CHECK(*digest == kAbc);
  CHECK(scratch.memo().empty());
}
