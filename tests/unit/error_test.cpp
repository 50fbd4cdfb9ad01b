// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include <cerrno>

#include "common/error.hpp"

using srcompose::Error;
using srcompose::Result;
using srcompose::Status;

TEST_CASE("an errno error names the operation and the errno text, contexts outermost first") {
  Error error = Error::from_errno("mount /data", ENOENT);
  error.context("start").context("container web");
  CHECK(error.to_string() == "container web: start: mount /data: No such file or directory");
  CHECK(error.error_number() == ENOENT);
}

TEST_CASE("a message error carries no errno") {
  auto error = Error::message("bridge srlab0 exists and was not created by srcompose");
  CHECK(error.error_number() == 0);
  CHECK(error.to_string() == "bridge srlab0 exists and was not created by srcompose");
}

TEST_CASE("Result holds a value or an error") {
  Result<int> good = 42;
  REQUIRE(good.ok());
  CHECK(*good == 42);
  Result<int> bad = Error::message("no");
  CHECK_FALSE(bad.ok());
  CHECK(bad.error().to_string() == "no");
  Status fine;
  CHECK(fine.ok());
  Status failed = Error::from_errno("pivot_root", EINVAL);
  CHECK_FALSE(failed.ok());
  CHECK(failed.error().to_string() == "pivot_root: Invalid argument");
}
