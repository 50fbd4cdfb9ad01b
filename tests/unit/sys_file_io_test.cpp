// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "sys/file_io.hpp"
#include "test_support.hpp"

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
