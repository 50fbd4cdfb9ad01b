// SPDX-License-Identifier: GPL-2.0-or-later
// `exec -t`: this process's stdin and stdout joined to a pseudo-terminal's master while the process
// on its slave runs, as a terminal emulator would.
#pragma once

#include "common/error.hpp"
#include "sys/process.hpp"

namespace srcompose::cli {

// Gives the pty of `master` the window size of the terminal on stdin (or stdout); nothing when
// neither is one. Call before the process on the slave starts, or its first `stty size` may find
// no size yet (0 rows); relay_terminal follows later changes.
void copy_window_size(int master);

// Copies stdin to `master` and `master` to stdout until `process` has exited and its output is
// drained, then reaps it. While it runs, a terminal on stdin is in raw mode (the pty's own line
// discipline does the editing and turns ^C into SIGINT inside) and put back however this ends; the
// pty follows the terminal's window size (SIGWINCH). End of stdin stops the copying of input only.
Result<sys::ExitStatus> relay_terminal(int master, sys::ChildProcess& process);

}  // namespace srcompose::cli
