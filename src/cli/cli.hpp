// SPDX-License-Identifier: GPL-2.0-or-later
// The command line: parses arguments with CLI11 and dispatches to one small file per command.
#pragma once

namespace srcompose::cli {

// Returns the process exit status. Errors are printed once, as one line on stderr.
int run(int argc, char** argv);

// Whether this command line may fork a process into a container from this process itself: `exec`
// alone (a supervisor's launcher clones the containers and their exec helpers). Decided before
// parsing, so any argument that reads like it counts (`-p exec down` too): erring that way costs
// an exec, the other way a refused exec.
bool forks_into_containers(int argc, char** argv);

}  // namespace srcompose::cli
