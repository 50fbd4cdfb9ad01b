// SPDX-License-Identifier: GPL-2.0-or-later
// Text as lines: the one splitting loop for files, command output and reports.
#pragma once

#include <string_view>
#include <vector>

namespace srcompose {

// The lines of `text` without their '\n', viewing `text` (which must outlive them). A last line
// without '\n' counts; nothing after a final '\n' does: "a\nb\n" and "a\nb" are two lines, "" none.
std::vector<std::string_view> split_lines(std::string_view text);

}  // namespace srcompose
