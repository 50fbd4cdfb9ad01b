// SPDX-License-Identifier: GPL-2.0-or-later
// Container output on its way to a terminal: bytes a terminal would act on are made visible.
//
// A container's output is the workload's, and the workload is hostile: escape sequences can set
// the window title, clear the screen, move the cursor over earlier lines or, on some terminals,
// answer queries into the teacher's input (issue 10 item 15). `up` and `logs` print through this
// when their output is a terminal; to a pipe or file the bytes stay as they were. Pure.
#pragma once

#include <string>
#include <string_view>

namespace srcompose {

// Appends `text` to `out` with what a terminal would interpret shown instead: C0 controls and DEL
// in caret notation (ESC -> "^[", CR -> "^M", BEL -> "^G", DEL -> "^?"), tab kept; C1 controls
// encoded in UTF-8 (U+0080..U+009F, which UTF-8 terminals obey) as "\u009b"; a byte that is not
// part of valid UTF-8 (a lone 0x9b is CSI to an 8-bit terminal) as "\x9b". Valid UTF-8 otherwise
// passes unchanged. A newline is kept too: callers pass one line, possibly with its '\n'.
void append_for_terminal(std::string& out, std::string_view text);
std::string for_terminal(std::string_view text);

}  // namespace srcompose
