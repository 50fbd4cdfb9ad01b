// SPDX-License-Identifier: GPL-2.0-or-later
// The events file of `srcompose events`: one JSON object a line, capped by rotation.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "supervisor/event_log.hpp"

using namespace srcompose::supervisor;

namespace {

std::vector<json::object> read_events(const std::filesystem::path& path) {
  std::vector<json::object> events;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    events.push_back(json::parse(line).as_object());
  return events;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "event-log.XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("events are JSON lines with time, type, project, container and their own fields") {
  TempDir dir;
  std::vector<std::string> warnings;
  EventLog log(dir.path / "events.jsonl", "lab",
               [&](const std::string& text) { warnings.push_back(text); });
  log.start("web", 42, 1);
  RunEnd end;
  end.exit_code = 137;
  end.signal = 9;
  end.oom_killed = true;
  end.verdict = "oom";
  log.exit("web", end);
  log.restart("web", 1, std::chrono::milliseconds(100), end);
  log.health("web", "unhealthy", 3);
  log.lab("down");
  auto events = read_events(dir.path / "events.jsonl");
  REQUIRE(events.size() == 5);
  CHECK(events[0].at("type") == "start");
  CHECK(events[0].at("project") == "lab");
  CHECK(events[0].at("container") == "web");
  CHECK(events[0].at("pid") == 42);
  CHECK(events[0].at("time").as_string().ends_with("Z"));
  CHECK(events[1].at("signal_name") == "SIGKILL");
  CHECK(events[1].at("reason") == "OOM kill");
  CHECK(events[2].at("delay_ms") == 100);
  CHECK(events[2].at("after") == "OOM kill");
  CHECK(events[3].at("failures") == 3);
  CHECK_FALSE(events[4].contains("container"));
  CHECK(warnings.empty());
}

TEST_CASE("the events file is rotated once past its cap: at most two files, no line split") {
  TempDir dir;
  EventLog log(dir.path / "events.jsonl", "lab", nullptr, /*max_size=*/1000);
  for (uint64_t run = 1; run <= 100; ++run)
    log.start("web", 42, run);
  auto current = read_events(dir.path / "events.jsonl");
  auto previous = read_events(dir.path / "events.jsonl.1");
  CHECK(std::filesystem::file_size(dir.path / "events.jsonl") <= 1000);
  CHECK(std::filesystem::file_size(dir.path / "events.jsonl.1") <= 1000);
  CHECK_FALSE(std::filesystem::exists(dir.path / "events.jsonl.2"));
  REQUIRE_FALSE(current.empty());
  REQUIRE_FALSE(previous.empty());
  // The newest events, in order, across the two files.
  CHECK(current.back().at("run") == 100);
  CHECK(previous.back().at("run").as_int64() + 1 == current.front().at("run").as_int64());
}

TEST_CASE("an events file that cannot be written is warned about once; the lab goes on") {
  TempDir dir;
  std::vector<std::string> warnings;
  EventLog log(dir.path / "missing" / "events.jsonl", "lab",
               [&](const std::string& text) { warnings.push_back(text); });
  log.lab("up");
  log.lab("down");
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("missing/events.jsonl") != std::string::npos);
}
