// SPDX-License-Identifier: GPL-2.0-or-later
// The command line: parses arguments with CLI11 and dispatches to one small file per command.
#pragma once

namespace srcompose::cli {

// Returns the process exit status. Errors are printed once, as one line on stderr.
int run(int argc, char** argv);

// Whether this command line may start a process inside a container from this process: `up`
// (its supervisor is a fork), `run`, `exec`, `batch`. Decided before parsing, so any argument that
// reads like one of them counts (`-p run down` too): erring that way costs an exec, the other way
// a refused start.
bool may_start_containers(int argc, char** argv);

}  // namespace srcompose::cli
