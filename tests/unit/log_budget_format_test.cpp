// SPDX-License-Identifier: GPL-2.0-or-later
// The pure parts of bounded logs (issue 10 item 14): the record format and the output budget.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/log_format.hpp"
#include "common/rate_budget.hpp"

using namespace srcompose;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> read_back(const std::string& file) {
  std::vector<std::string> out;
  logfmt::Reader reader;
  size_t start = 0;
  while (start < file.size()) {
    size_t end = file.find('\n', start);
    if (reader.feed(std::string_view(file).substr(start, end - start))) {
      out.push_back(reader.timestamp() + " " + reader.stream() + " " + std::string(reader.text()));
    }
    start = end + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("log records: no cost per line, and a container cannot forge a header") {
  std::string file;
  logfmt::append_record(file, "T1", "stdout", "\n\n\n");
  // A megabyte of empty lines is a megabyte and a header, not 36 MB.
  CHECK(file == "@T1 stdout\n\n\n\n");
  std::string big;
  logfmt::append_record(big, "2026-11-28T16:26:26.123456Z", "stdout", std::string(1 << 20, '\n'));
  CHECK(big.size() == (1 << 20) + 36);

  logfmt::append_record(file, "T2", "stderr", "@T9 stdout\n\\x\nplain\nlast");
  CHECK(file == "@T1 stdout\n\n\n\n@T2 stderr\n\\@T9 stdout\n\\\\x\nplain\nlast\n");
  CHECK(read_back(file) == std::vector<std::string>{"T1 stdout ", "T1 stdout ", "T1 stdout ",
                                                    "T2 stderr @T9 stdout", "T2 stderr \\x",
                                                    "T2 stderr plain", "T2 stderr last"});
}

TEST_CASE("output budget: bursts up to the burst, then drops until a second's worth is back") {
  const auto start = RateBudget::Clock::time_point{} + 1h;
  RateBudget budget(1000, 4000, start);
  CHECK(budget.take(3000, start));
  CHECK(budget.take(1000, start));
  CHECK_FALSE(budget.dropping(start));
  // Over: refused, and dropping from now on even for what would fit.
  CHECK_FALSE(budget.take(1, start));
  CHECK(budget.dropping(start + 500ms));
  CHECK_FALSE(budget.take(10, start + 500ms));
  // A second's worth back: taken again.
  CHECK_FALSE(budget.dropping(start + 1s));
  CHECK(budget.take(900, start + 1s));
  // The bucket never holds more than the burst.
  CHECK_FALSE(budget.dropping(start + 1h));
  CHECK(budget.take(4000, start + 1h));
  CHECK_FALSE(budget.take(100, start + 1h));
}
