// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <regex>

#include "supervisor/log_sink.hpp"
#include "test_support.hpp"

using srcompose::supervisor::ConsoleOptions;
using srcompose::supervisor::LogLevel;
using srcompose::supervisor::LogSink;
using srcompose::supervisor::TerminalOutputs;

namespace {

// What `write` printed on stderr (fd 2 pointed at a file meanwhile).
template <class Write>
std::string stderr_of(const srcompose::test::TempDir& dir, Write write) {
  auto path = dir.path() / "stderr";
  std::fflush(stderr);
  int saved = ::dup(STDERR_FILENO);
  REQUIRE(saved >= 0);
  FILE* file = std::fopen(path.c_str(), "w");
  REQUIRE(file != nullptr);
  ::dup2(::fileno(file), STDERR_FILENO);
  write();
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::fclose(file);
  return srcompose::test::read_file(path);
}

}  // namespace

TEST_CASE("srcompose's own lines: the text alone on the console, UTC time first when detached") {
  srcompose::test::TempDir dir;
  auto printed = stderr_of(dir, [&] {
    LogSink sink(dir.path(), ConsoleOptions{}, {"web"}, {}, TerminalOutputs{});
    sink.progress("web", "starting");
    sink.progress("", "warning: a {} brace");
  });
  CHECK(printed == "web starting\nwarning: a {} brace\n");

  ConsoleOptions detached;
  detached.enabled = false;
  printed = stderr_of(dir, [&] {
    LogSink sink(dir.path(), detached, {"web"}, {}, TerminalOutputs{});
    sink.progress("web", "started (pid 7)");
  });
  const std::regex timed_line(
      R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z web started \(pid 7\)\n)");
  CHECK_MESSAGE(std::regex_match(printed, timed_line), printed);
}

TEST_CASE("srcompose's own lines below the chosen level are not printed") {
  srcompose::test::TempDir dir;
  ConsoleOptions console;
  console.level = LogLevel::warning;
  auto printed = stderr_of(dir, [&] {
    LogSink sink(dir.path(), console, {"web"}, {}, TerminalOutputs{});
    sink.progress("web", "starting");
    sink.progress("web", "warning: kill: No such process");
    sink.progress("", "error: it failed");
  });
  CHECK(printed == "web warning: kill: No such process\nerror: it failed\n");
  console.level = LogLevel::error;
  printed = stderr_of(dir, [&] {
    LogSink sink(dir.path(), console, {"web"}, {}, TerminalOutputs{});
    sink.progress("web", "warning: kill: No such process");
    sink.progress("", "error: it failed");
  });
  CHECK(printed == "error: it failed\n");
}

TEST_CASE("SRCOMPOSE_LOG_LEVEL names the least level printed") {
  ::setenv("SRCOMPOSE_LOG_LEVEL", "warning", 1);
  CHECK(srcompose::supervisor::log_level_from_environment() == LogLevel::warning);
  ::setenv("SRCOMPOSE_LOG_LEVEL", "error", 1);
  CHECK(srcompose::supervisor::log_level_from_environment() == LogLevel::error);
  ::setenv("SRCOMPOSE_LOG_LEVEL", "loud", 1);
  CHECK(srcompose::supervisor::log_level_from_environment() == LogLevel::info);
  ::unsetenv("SRCOMPOSE_LOG_LEVEL");
  CHECK(srcompose::supervisor::log_level_from_environment() == LogLevel::info);
}
