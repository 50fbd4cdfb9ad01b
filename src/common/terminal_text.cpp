// SPDX-License-Identifier: GPL-2.0-or-later
#include "common/terminal_text.hpp"

#include <array>

namespace srcompose {
namespace {

void append_hex(std::string& out, std::string_view prefix, unsigned value, int digits) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  out += prefix;
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
    out += kHex[(value >> shift) & 0xfU];
}

// Length of the valid UTF-8 sequence at text[0] (2..4) and its code point, or 0 when it is not
// one (overlong forms, surrogates and values past U+10FFFF are not valid).
size_t utf8_sequence(std::string_view text, unsigned& code_point) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned lead = byte(0);
  size_t length = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
  if (length == 0 || lead > 0xf4 || text.size() < length) return 0;
  code_point = lead & (0x7fU >> length);
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xc0U) != 0x80U) return 0;
    code_point = (code_point << 6) | (byte(i) & 0x3fU);
  }
  static constexpr std::array<unsigned, 5> kSmallest = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < kSmallest[length] || code_point > 0x10ffff ||
      (code_point >= 0xd800 && code_point <= 0xdfff)) {
    return 0;
  }
  return length;
}

}  // namespace

void append_for_terminal(std::string& out, std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    // Runs of printable ASCII, the common case, are copied at once.
    size_t plain = i;
    while (plain < text.size() && text[plain] >= 0x20 && text[plain] < 0x7f)
      ++plain;
    out.append(text.substr(i, plain - i));
    i = plain;
    if (i == text.size()) break;
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\t' || byte == '\n') {
      out += static_cast<char>(byte);
      ++i;
    } else if (byte < 0x20 || byte == 0x7f) {
      out += '^';
      out += static_cast<char>(byte == 0x7f ? '?' : byte + 0x40);
      ++i;
    } else {
      unsigned code_point = 0;
      size_t length = utf8_sequence(text.substr(i), code_point);
      if (length == 0) {
        append_hex(out, "\\x", byte, 2);
        ++i;
      } else if (code_point <= 0x9f) {
        append_hex(out, "\\u", code_point, 4);
        i += length;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
    }
  }
}

std::string for_terminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_for_terminal(out, text);
  return out;
}

}  // namespace srcompose
