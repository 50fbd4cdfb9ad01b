// SPDX-License-Identifier: GPL-2.0-or-later
// Container output neutralised for a terminal (issue 10 item 15).
#include <doctest/doctest.h>

#include "common/terminal_text.hpp"

using srcompose::for_terminal;

TEST_CASE("for_terminal: escape sequences and other C0 controls become visible") {
  CHECK(for_terminal("\x1b]0;pwned\a\x1b[2J") == "^[]0;pwned^G^[[2J");
  CHECK(for_terminal("progress 50%\rprogress 100%") == "progress 50%^Mprogress 100%");
  CHECK(for_terminal(std::string_view("a\0b", 3)) == "a^@b");
  CHECK(for_terminal("\x7f\x08") == "^?^H");
  // Tab and newline are layout, not commands.
  CHECK(for_terminal("a\tb\n") == "a\tb\n");
  CHECK(for_terminal("plain text, 100% ASCII ~") == "plain text, 100% ASCII ~");
}

TEST_CASE("for_terminal: C1 controls, as UTF-8 or as lone bytes, are shown as escapes") {
  // U+009B (CSI) in UTF-8, and the 8-bit CSI byte alone.
  CHECK(for_terminal("\xc2\x9b"
                     "2J") == "\\u009b2J");
  CHECK(for_terminal("\x9b"
                     "2J") == "\\x9b2J");
  // Invalid or overlong UTF-8 is not passed through.
  CHECK(for_terminal("\xc0\x9b") == "\\xc0\\x9b");
  CHECK(for_terminal("\xe2\x82") == "\\xe2\\x82");
  CHECK(for_terminal("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
  // Valid UTF-8 text passes unchanged.
  CHECK(for_terminal("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82") ==
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82");
  CHECK(for_terminal("\xc2\xa0") == "\xc2\xa0");  // U+00A0, just past C1
}
