// SPDX-License-Identifier: GPL-2.0-or-later
#include <signal.h>

#include <cstdio>
#include <exception>

#include <string_view>

#include "cli/cli.hpp"
#include "runtime/launcher.hpp"
#include "sys/inherited_fds.hpp"
#include "sys/open_files_limit.hpp"
#include "sys/sealed_binary.hpp"

int main(int argc, char** argv) {
  // First, before any fd or thread exists: no container may ever see the host's binary as its
  // /proc/self/exe (CVE-2019-5736, see sys/sealed_binary.hpp). Only `exec`, which forks its helper
  // into the container itself, pays for the second exec (~3 ms); a supervisor's launcher is started
  // from the sealed binary, and a fork into a container from anywhere else would be refused by
  // check_sealed_binary().
  if (srcompose::cli::forks_into_containers(argc, argv))
    srcompose::sys::run_from_sealed_binary(argv);
  // The supervisor's container launcher (runtime/launcher.hpp): an exec of the sealed binary, so
  // there is nothing to re-exec, and nothing of the CLI runs.
  if (argc >= 2 && std::string_view(argv[1]) == srcompose::runtime::kLauncherCommand)
    srcompose::runtime::run_launcher(argc, argv);
  srcompose::sys::note_inherited_fds();
  srcompose::sys::note_open_files_limit();
  // A write to a closed pipe (`srcompose up | head`, the pipe of an `up -d` client that was
  // killed) must be an EPIPE error handled where it happens, never the death of a supervisor.
  ::signal(SIGPIPE, SIG_IGN);
  // The one catch: expected failures are Results; an exception here is a bug, reported, not an
  // abort with a core.
  try {
    return srcompose::cli::run(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "srcompose: internal error: %s\n", error.what());
  } catch (...) {
    std::fprintf(stderr, "srcompose: internal error: unknown exception\n");
  }
  return 1;
}
