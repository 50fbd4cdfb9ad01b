// SPDX-License-Identifier: GPL-2.0-or-later
// Running a host program to its end and reading what it printed (the host's `busybox --list-full`,
// the tests' commands), through Boost.Process. Not for a container's processes: those need clone3
// (runtime/container.cpp).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "sys/process.hpp"

namespace srcompose::sys {

struct HostCommand {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::string input;              // written to its stdin, which is then closed
  // "KEY=VALUE" for each variable: the whole environment. nullopt: this process's environment.
  std::optional<std::vector<std::string>> environment;
  // Killed (SIGKILL) when still running (or its output still open) this long after the start.
  std::chrono::milliseconds deadline{std::chrono::seconds(30)};
};

struct HostCommandOutput {
  ExitStatus status;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Blocks until the program has exited and closed its output, on a private io_context (callable from
// any thread; SIGCHLD must not be blocked in every thread of the process). Errors: a program that
// is not found or cannot be started, the deadline.
Result<HostCommandOutput> run_host_command(const HostCommand& command);

}  // namespace srcompose::sys
