// SPDX-License-Identifier: GPL-2.0-or-later
// The command line: parses arguments with CLI11 and dispatches to one small file per command.
#pragma once

namespace srcompose::cli {

// Returns the process exit status. Errors are printed once, as one line on stderr.
int run(int argc, char** argv);

}  // namespace srcompose::cli
