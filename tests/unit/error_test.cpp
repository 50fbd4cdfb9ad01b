// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include <cerrno>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/lines.hpp"

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

TEST_CASE("FirstError keeps the first failure of steps that are all tried, with its context") {
  srcompose::FirstError errors;
  CHECK(std::move(srcompose::FirstError{}).status("clean up").ok());
  errors.keep(Status{}, "network");
  CHECK_FALSE(errors.failed());
  errors.keep(Error::from_errno("rmdir /sys/fs/cgroup/x", EBUSY), "cgroups");
  errors.keep(Error::message("later failure"), "layers");
  errors.keep(Status{});
  CHECK(errors.failed());
  auto status = std::move(errors).status("clean up project p");
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().to_string() ==
        "clean up project p: cgroups: rmdir /sys/fs/cgroup/x: Device or resource busy");
  CHECK(status.error().error_number() == EBUSY);
}

TEST_CASE("FirstError without contexts returns the error as it was") {
  srcompose::FirstError errors;
  errors.keep(Error::message("first"));
  errors.keep(Error::message("second"));
  auto status = std::move(errors).status();
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().to_string() == "first");
}

TEST_CASE("split_lines: a last line without newline counts, nothing after a final newline does") {
  using srcompose::split_lines;
  using Lines = std::vector<std::string_view>;
  CHECK(split_lines("") == Lines{});
  CHECK(split_lines("a\nb\n") == Lines{"a", "b"});
  CHECK(split_lines("a\nb") == Lines{"a", "b"});
  CHECK(split_lines("\n\nx") == Lines{"", "", "x"});
  CHECK(split_lines("only") == Lines{"only"});
}
