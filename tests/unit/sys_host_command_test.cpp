// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include <chrono>

#include "sys/host_command.hpp"

using srcompose::sys::HostCommand;
using srcompose::sys::run_host_command;

TEST_CASE("a host command's stdin, stdout, stderr and exit code") {
  HostCommand command;
  command.argv = {"sh", "-c", "cat; echo to-stderr >&2; exit 3"};
  command.input = "line one\nline two\n";
  auto ran = run_host_command(command);
  REQUIRE_MESSAGE(ran.ok(), (ran ? "" : ran.error().to_string()));
  CHECK(ran->out == "line one\nline two\n");
  CHECK(ran->err == "to-stderr\n");
  CHECK(ran->status.exit_code == 3);
  CHECK_FALSE(ran->status.killed());
}

TEST_CASE("a host command's output larger than a pipe holds, on both pipes at once") {
  HostCommand command;
  command.argv = {"sh", "-c",
                  "i=0; while [ $i -lt 20000 ]; do echo $i; echo $i >&2; i=$((i+1)); done"};
  auto ran = run_host_command(command);
  REQUIRE(ran.ok());
  CHECK(ran->out.size() > 100000);
  CHECK(ran->out == ran->err);
  CHECK(ran->status.exit_code == 0);
}

TEST_CASE("a host command gets exactly the environment it is given") {
  HostCommand command;
  command.argv = {"/usr/bin/env"};
  command.environment = std::vector<std::string>{"ONLY=this"};
  auto ran = run_host_command(command);
  REQUIRE(ran.ok());
  CHECK(ran->out == "ONLY=this\n");
  command.environment = std::vector<std::string>{};
  ran = run_host_command(command);
  REQUIRE(ran.ok());
  CHECK(ran->out.empty());
}

TEST_CASE("a host command killed by a signal reports 128+signal") {
  HostCommand command;
  command.argv = {"sh", "-c", "kill -TERM $$"};
  auto ran = run_host_command(command);
  REQUIRE(ran.ok());
  CHECK(ran->status.killed());
  CHECK(ran->status.exit_code == 128 + 15);
}

TEST_CASE("a missing host program is an ENOENT error naming it") {
  HostCommand command;
  command.argv = {"srcompose-no-such-program", "x"};
  auto ran = run_host_command(command);
  REQUIRE_FALSE(ran.ok());
  CHECK(ran.error().error_number() == ENOENT);
  CHECK(ran.error().to_string().find("srcompose-no-such-program") != std::string::npos);
}

TEST_CASE("a host command past its deadline is killed and reported") {
  HostCommand command;
  command.argv = {"sleep", "30"};
  command.deadline = std::chrono::milliseconds(300);
  auto start = std::chrono::steady_clock::now();
  auto ran = run_host_command(command);
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(ran.ok());
  CHECK(ran.error().to_string().find("still running after 300 ms") != std::string::npos);
  CHECK(took < std::chrono::seconds(5));
}
