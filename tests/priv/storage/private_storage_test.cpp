// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 10 item 2, played as an unprivileged host user (uid/gid 65534, no groups): a tarball image
// with a setuid-root file and world-writable directories, two containers' writable layers, and
// storage directories an older version left 0755. Nothing below the storage root may be reachable.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "rootfs/prepare.hpp"
#include "test_support.hpp"

using namespace srcompose;
namespace fs = std::filesystem;

namespace {

constexpr uid_t kNobody = 65534;

plan::RootfsPlan plan_for(const fs::path& storage, const fs::path& tarball,
                          const std::string& container) {
  plan::RootfsPlan plan;
  plan.source.kind = spec::RootfsKind::tarball;
  plan.source.path = tarball;
  plan.source.text = tarball.string();
  plan.layer_dir = storage / "containers" / "lab" / container;
  plan.image_cache_dir = storage / "images";
  return plan;
}

plan::UsernsPlan userns() {
  plan::UsernsPlan plan;
  plan.root_uid_on_host = 0x30000000u + static_cast<uint32_t>(::getpid() % 4096) * 65536u;
  plan.root_gid_on_host = plan.root_uid_on_host;
  return plan;
}

// A tarball whose bin/suid is a setuid-root executable and whose pub/ and tmp/ are world-writable.
fs::path hostile_tarball(const fs::path& work) {
  auto source = work / "src";
  fs::create_directories(source / "bin");
  fs::create_directories(source / "pub");
  fs::create_directories(source / "tmp");
  fs::copy_file(test::probe_binary(), source / "bin/suid");
  REQUIRE(::chown((source / "bin/suid").c_str(), 0, 0) == 0);
  REQUIRE(::chmod((source / "bin/suid").c_str(), 04755) == 0);
  REQUIRE(::chmod((source / "pub").c_str(), 0777) == 0);
  REQUIRE(::chmod((source / "tmp").c_str(), 01777) == 0);
  auto tarball = work / "hostile.tar";
  auto made =
      test::run_command({"tar", "--numeric-owner", "-C", source.string(), "-cf", tarball, "."});
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  return tarball;
}

// What an unprivileged user reaches: each attempt that succeeds sets a bit of the exit code.
int probe_as_nobody(const fs::path& image, const fs::path& storage, const fs::path& web_upper,
                    const fs::path& db_upper) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::setgroups(0, nullptr) < 0 || ::setresgid(kNobody, kNobody, kNobody) < 0 ||
        ::setresuid(kNobody, kNobody, kNobody) < 0) {
      ::_exit(255);
    }
    int reached = 0;
    auto opens = [](const fs::path& path, int flags) {
      int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
      if (fd >= 0) ::close(fd);
      return fd >= 0;
    };
    if (opens(image / "bin/suid", O_RDONLY)) reached |= 1;
    if (::access((image / "bin/suid").c_str(), X_OK) == 0) reached |= 2;
    if (opens(web_upper / "secret", O_RDONLY)) reached |= 4;
    if (opens(db_upper, O_RDONLY | O_DIRECTORY)) reached |= 8;
    if (opens(storage / "images/planted", O_WRONLY | O_CREAT)) reached |= 16;
    if (opens(image / "pub/planted", O_WRONLY | O_CREAT)) reached |= 32;
    if (opens(image / "tmp/planted", O_WRONLY | O_CREAT)) reached |= 64;
    ::_exit(reached);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

mode_t mode_of(const fs::path& path) {
  struct stat status {};
  REQUIRE_MESSAGE(::lstat(path.c_str(), &status) == 0, path);
  CHECK_MESSAGE(status.st_uid == 0, path);
  return status.st_mode & 07777;
}

}  // namespace

TEST_CASE("no host user reaches a setuid image file, another container's upper/ or images/") {
  test::require_root();
  test::TempDir work("srcompose-private-storage");
  auto tarball = hostile_tarball(work.path());
  auto storage = work.path() / "storage";
  // As an older version left them: readable and traversable by everyone.
  for (const auto& directory : {storage, storage / "images", storage / "containers"}) {
    fs::create_directories(directory);
    REQUIRE(::chmod(directory.c_str(), 0755) == 0);
  }
  // The work dir itself (mkdtemp: 0700) would hide everything: open it so only srcompose's own
  // modes stand between the user and the storage.
  REQUIRE(::chmod(work.path().c_str(), 0755) == 0);

  auto web = rootfs::prepare(plan_for(storage, tarball, "web"), userns());
  REQUIRE_MESSAGE(web.ok(), web.error().to_string());
  auto db = rootfs::prepare(plan_for(storage, tarball, "db"), userns());
  REQUIRE_MESSAGE(db.ok(), db.error().to_string());
  test::write_file(web->upper / "secret", "web's data");
  REQUIRE(::chmod((web->upper / "secret").c_str(), 0644) == 0);

  // The image keeps its bits (no_new_privs neutralises them inside; see rootfs/storage.cpp).
  CHECK(mode_of(web->image / "bin/suid") == 04755);
  CHECK(mode_of(web->image / "pub") == 0777);
  CHECK(mode_of(storage) == 0700);
  CHECK(mode_of(storage / "images") == 0700);
  CHECK(mode_of(storage / "containers") == 0700);

  int reached = probe_as_nobody(web->image, storage, web->upper, db->upper);
  CHECK_MESSAGE(reached == 0,
                "an unprivileged user reached (bits: 1 read suid, 2 exec suid, "
                "4 read upper, 8 list upper, 16 plant in images, 32/64 plant in "
                "the image's world-writable dirs): ",
                reached);
  CHECK_FALSE(fs::exists(storage / "images/planted"));
  CHECK_FALSE(fs::exists(web->image / "pub/planted"));
}

TEST_CASE("a storage dir another user could have changed is refused, not trusted") {
  test::require_root();
  test::TempDir work("srcompose-private-storage");
  auto tarball = hostile_tarball(work.path());

  SUBCASE("images/ writable by others") {
    auto storage = work.path() / "writable";
    fs::create_directories(storage / "images");
    REQUIRE(::chmod((storage / "images").c_str(), 0777) == 0);
    auto prepared = rootfs::prepare(plan_for(storage, tarball, "web"), userns());
    REQUIRE_FALSE(prepared.ok());
    CHECK(prepared.error().to_string().find("writable by other users") != std::string::npos);
  }
  SUBCASE("the storage root owned by another user") {
    auto storage = work.path() / "foreign";
    fs::create_directories(storage);
    REQUIRE(::chown(storage.c_str(), kNobody, kNobody) == 0);
    auto prepared = rootfs::prepare(plan_for(storage, tarball, "web"), userns());
    REQUIRE_FALSE(prepared.ok());
    CHECK(prepared.error().to_string().find("not root") != std::string::npos);
    CHECK_FALSE(fs::exists(storage / "images"));
  }
}
