// SPDX-License-Identifier: GPL-2.0-or-later
// Starting host programs from `srcompose batch` (a plain CLI process, not the supervisor): each
// instance's `srcompose run`, owned through a pidfd, and watched on the batch's loop. (sbatch,
// squeue and scancel, whose output is read, run through sys::run_host_command.)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "sys/process.hpp"

namespace srcompose::batch {

struct SpawnRequest {
  std::vector<std::string> argv;         // argv[0] is looked up in PATH when it has no '/'
  std::vector<std::string> environment;  // "KEY=VALUE", the whole environment
  // stdin is /dev/null; stdout and stderr go to this file (created, truncated) when given.
  std::filesystem::path output;
  // In a process group of its own: a Ctrl-C on the terminal reaches only the batch, which decides
  // what its instances get (batch/local_runner.cpp).
  bool own_process_group = false;
};

// Starts the program with default signal dispositions and an empty signal mask. Errors: the
// output file, posix_spawn (ENOENT for a missing program), pidfd_open.
Result<sys::ChildProcess> spawn_program(const SpawnRequest& request);

// This process's environment with `overrides` ("KEY=VALUE" for each) replacing same-named entries.
std::vector<std::string> environment_with(
    const std::vector<std::pair<std::string, std::string>>& overrides);

}  // namespace srcompose::batch
