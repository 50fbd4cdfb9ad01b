// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "rootfs/passwd.hpp"

using namespace srcompose;

namespace {

constexpr std::string_view kPasswd =
    "# comment\n"
    "root:x:0:0:root:/root:/bin/sh\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "student:x:1000:1000:A Student,,,:/home/student:/bin/sh\r\n"
    "broken:x:notanumber:1:::/bin/sh\n"
    "short:x:5:5\n"
    "+nisuser::::::\n"
    "max:x:4294967295:0::/:/bin/sh\n"
    "nohome:x:2000:2000:::/bin/sh\n"
    "\n";

constexpr std::string_view kGroup =
    "root:x:0:\n"
    "wheel:x:10:student,daemon\n"
    "student:x:1000:\n"
    "audio:x:29:student\n"
    "dup:x:29:student\n"
    "bad:x:xx:student\n"
    "video:x:44:,student,\n";

}  // namespace

TEST_CASE("parse_passwd keeps well-formed lines only") {
  auto entries = rootfs::parse_passwd(kPasswd);
  REQUIRE(entries.size() == 4);
  CHECK(entries[0].name == "root");
  CHECK(entries[1].uid == 1);
  CHECK(entries[1].home == "/usr/sbin");
  CHECK(entries[2].name == "student");
  CHECK(entries[2].uid == 1000);
  CHECK(entries[2].gid == 1000);
  CHECK(entries[2].home == "/home/student");
  CHECK(entries[3].name == "nohome");
  CHECK(entries[3].home.empty());
}

TEST_CASE("parse_group reads members") {
  auto entries = rootfs::parse_group(kGroup);
  REQUIRE(entries.size() == 6);
  CHECK(entries[1].name == "wheel");
  CHECK(entries[1].gid == 10);
  CHECK(entries[1].members == std::vector<std::string>{"student", "daemon"});
  CHECK(entries[0].members.empty());
  CHECK(entries[5].members == std::vector<std::string>{"student"});
}

TEST_CASE("resolve_user_in: names, numbers, groups") {
  auto resolve = [](std::string_view spec) {
    auto user = rootfs::resolve_user_in(spec, kPasswd, kGroup);
    REQUIRE_MESSAGE(user.ok(), user.error().to_string());
    return *user;
  };
  SUBCASE("a name takes uid, gid, home and memberships from the files") {
    auto user = resolve("student");
    CHECK(user.uid == 1000);
    CHECK(user.gid == 1000);
    CHECK(user.home == "/home/student");
    CHECK(user.supplementary_groups == std::vector<gid_t>{10, 29, 44});
  }
  SUBCASE("a number with an entry uses it") {
    auto user = resolve("1000");
    CHECK(user.gid == 1000);
    CHECK(user.home == "/home/student");
    CHECK(user.supplementary_groups == std::vector<gid_t>{10, 29, 44});
  }
  SUBCASE("a number without an entry needs none") {
    auto user = resolve("4242");
    CHECK(user.uid == 4242);
    CHECK(user.gid == 0);
    CHECK(user.home == "/");
    CHECK(user.supplementary_groups.empty());
  }
  SUBCASE("uid:gid numbers") {
    auto user = resolve("4242:77");
    CHECK(user.uid == 4242);
    CHECK(user.gid == 77);
  }
  SUBCASE("name:group names") {
    auto user = resolve("student:wheel");
    CHECK(user.uid == 1000);
    CHECK(user.gid == 10);
  }
  SUBCASE("root") {
    auto user = resolve("0:0");
    CHECK(user.uid == 0);
    CHECK(user.gid == 0);
    CHECK(user.home == "/root");
  }
  SUBCASE("empty home becomes /") {
    CHECK(resolve("nohome").home == "/");
  }
}

TEST_CASE("resolve_user_in: errors and missing files") {
  CHECK_FALSE(rootfs::resolve_user_in("nobodyhere", kPasswd, kGroup).ok());
  CHECK_FALSE(rootfs::resolve_user_in("student:nogroup", kPasswd, kGroup).ok());
  CHECK_FALSE(rootfs::resolve_user_in("", kPasswd, kGroup).ok());
  CHECK_FALSE(rootfs::resolve_user_in("student:", kPasswd, kGroup).ok());
  CHECK_FALSE(rootfs::resolve_user_in("4294967295", kPasswd, kGroup).ok());  // (uid_t)-1 is a name
  auto missing = rootfs::resolve_user_in("student", std::nullopt, std::nullopt);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().to_string().find("no /etc/passwd") != std::string::npos);
  auto numeric = rootfs::resolve_user_in("0:0", std::nullopt, std::nullopt);
  REQUIRE(numeric.ok());
  CHECK(numeric->home == "/");
}
