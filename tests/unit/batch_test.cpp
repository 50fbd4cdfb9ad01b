// SPDX-License-Identifier: GPL-2.0-or-later
// srcompose batch, the pure parts: items from names, lists and CSV; keys and projects; judging an
// item from its files; the summary; -j's default; the progress line.
#include <doctest/doctest.h>

#include "batch/batch.hpp"
#include "batch/capacity.hpp"
#include "batch/progress.hpp"
#include "spec/load.hpp"

using namespace srcompose;
using namespace srcompose::batch;

namespace {

std::vector<std::string> keys(const std::vector<Item>& items) {
  std::vector<std::string> result;
  for (const auto& item : items)
    result.push_back(item.key);
  return result;
}

Item item_named(std::string name, std::string key) {
  Item item;
  item.name = std::move(name);
  item.key = std::move(key);
  return item;
}

const char* kReport = R"({"project":"lab-a","fingerprint":"sha256:ab","containers":[
  {"name":"student","status":"failed_to_start","error":"","exit_code":null,"signal":0,
   "oom_killed":false,"wall_time_ms":0,"cpu_user_usec":0,"cpu_system_usec":0,"memory_peak":10},
  {"name":"grader","status":"exited","error":"","exit_code":2,"signal":0,"oom_killed":false,
   "wall_time_ms":1200,"cpu_user_usec":3000,"cpu_system_usec":1999,"memory_peak":20}]})";

}  // namespace

TEST_CASE("batch items: a directory's entries sorted, hidden ones skipped, ITEM and ITEM_PATH") {
  auto items = items_from_names({"bob", ".git", "alice"}, "/class");
  REQUIRE(items);
  REQUIRE(items->size() == 2);
  CHECK((*items)[0].name == "alice");
  CHECK((*items)[0].path == "/class/alice");
  CHECK((*items)[0].variables.at("ITEM") == "alice");
  CHECK((*items)[0].variables.at("ITEM_PATH") == "/class/alice");
  CHECK(!items_from_names({".hidden"}, "/class"));
}

TEST_CASE("batch items: a list file skips blanks and comments and refuses duplicates") {
  auto items = items_from_lines("# class of 2026\nalice\n\n  bob  \r\n", "/class/list.txt");
  REQUIRE(items);
  REQUIRE(items->size() == 2);
  CHECK((*items)[1].name == "bob");
  CHECK((*items)[1].path == "/class/bob");
  auto duplicate = items_from_lines("alice\nbob\nalice\n", "/class/list.txt");
  REQUIRE(!duplicate);
  CHECK(duplicate.error().to_string() ==
        "/class/list.txt:3: item \"alice\" again (first on line 1)");
  CHECK(!items_from_lines("# nobody\n", "/class/list.txt"));
}

TEST_CASE("batch items: CSV columns become variables; quotes, commas and newlines in fields") {
  auto items = items_from_csv(
      "student,repo,NOTE\r\nalice,https://x/a.git,\"late, 2 "
      "days\"\nbob,\"b\"\"q\",\"two\nlines\"\n",
      "/class/roster.csv");
  REQUIRE(items);
  REQUIRE(items->size() == 2);
  CHECK((*items)[0].name == "alice");
  CHECK((*items)[0].variables.at("student") == "alice");
  CHECK((*items)[0].variables.at("repo") == "https://x/a.git");
  CHECK((*items)[0].variables.at("NOTE") == "late, 2 days");
  CHECK((*items)[1].variables.at("repo") == "b\"q");
  CHECK((*items)[1].variables.at("NOTE") == "two\nlines");
  CHECK((*items)[1].path == "/class/bob");
}

TEST_CASE("batch items: CSV mistakes name the line") {
  auto bad_header = items_from_csv("student,first name\nalice,A\n", "/r.csv");
  REQUIRE(!bad_header);
  CHECK(bad_header.error().to_string().starts_with("/r.csv:1: column \"first name\""));
  auto reserved = items_from_csv("ITEM\nalice\n", "/r.csv");
  REQUIRE(!reserved);
  CHECK(reserved.error().to_string() ==
        "/r.csv:1: column ITEM: srcompose batch sets this variable itself");
  auto short_row = items_from_csv("student,grade\nalice,1\nbob\n", "/r.csv");
  REQUIRE(!short_row);
  CHECK(short_row.error().to_string() == "/r.csv:3: 1 fields, the header has 2");
  auto empty = items_from_csv("student,grade\n,1\n", "/r.csv");
  REQUIRE(!empty);
  CHECK(empty.error().to_string() == "/r.csv:2: the item (first field) is empty");
  auto open_quote = items_from_csv("student\n\"alice\n", "/r.csv");
  REQUIRE(!open_quote);
  CHECK(open_quote.error().to_string() == "/r.csv:2: a quoted field is not closed");
}

TEST_CASE("batch keys: sanitized, unique, and valid project names within 63 characters") {
  std::vector<Item> items{
      item_named("Alice Smith", ""),        item_named("alice-smith", ""),
      item_named("../../etc", ""),          item_named("ÿÿ", ""),
      item_named(std::string(80, 'x'), ""), item_named(std::string(80, 'x') + "y", "")};
  REQUIRE(assign_keys(items, "gradelab"));
  CHECK(keys(items) == std::vector<std::string>{"alice-smith", "alice-smith-2", "etc", "item",
                                                std::string(54, 'x'), std::string(52, 'x') + "-2"});
  for (const auto& item : items)
    CHECK(spec::is_project_name(project_name("gradelab", item)));
  std::vector<Item> one{item_named("a", "")};
  CHECK(!assign_keys(one, std::string(62, 'p')));
}

TEST_CASE("batch: an instance is `srcompose -f LAB -p PROJECT ... run --results OUT/KEY RUN`") {
  BatchSetup setup;
  setup.lab_file = "/class/lab.toml";
  setup.prefix = "gradelab";
  setup.run_container = "grader";
  setup.out = "/out";
  setup.global_arguments = {"--state-dir", "/state"};
  auto argv = instance_argv(setup, item_named("Alice", "alice"), "/proc/self/exe");
  CHECK(argv == std::vector<std::string>{"/proc/self/exe", "-f", "/class/lab.toml", "-p",
                                         "gradelab-alice", "--state-dir", "/state", "run",
                                         "--no-color", "--results", "/out/alice", "grader"});
}

TEST_CASE("batch results: judged from done.json, report.json and the run's output") {
  Item item = item_named("alice", "alice");
  ItemEnd end;
  end.exit_code = 2;
  end.started_at = "2026-01-01T00:00:00.000000Z";
  end.duration_ms = 1500;
  end.host = "node1";
  std::string end_text = format_item_end(end);
  REQUIRE(parse_item_end(end_text));
  CHECK(parse_item_end(end_text)->host == "node1");

  auto not_run = judge_item(item, "lab-alice", std::nullopt, std::nullopt, "", "grader");
  CHECK(not_run.outcome == Outcome::not_run);

  auto graded = judge_item(item, "lab-alice", end_text, std::string(kReport), "", "grader");
  CHECK(graded.outcome == Outcome::done);
  CHECK(graded.exit_code == 2);
  CHECK(graded.status == "exited");

  auto no_report = judge_item(item, "lab-alice", end_text, std::nullopt,
                              "lab up\nsrcompose: error: 1 error(s) in lab.toml\n", "grader");
  CHECK(no_report.outcome == Outcome::failed);
  CHECK(no_report.error == "no report.json (srcompose run exited with 2): 1 error(s) in lab.toml");

  auto never_ran = judge_item(item, "lab-alice", end_text, std::string(kReport), "", "student");
  CHECK(never_ran.outcome == Outcome::failed);
  CHECK(never_ran.error == "student never ran");

  ItemEnd refused = end;
  refused.error = "srcompose on node1 is another version";
  auto node_refused =
      judge_item(item, "lab-alice", format_item_end(refused), std::nullopt, "", "grader");
  CHECK(node_refused.outcome == Outcome::failed);
  CHECK(node_refused.error == "srcompose on node1 is another version");
}

TEST_CASE("batch results: a container's status is the report's, never guessed from its exit") {
  auto status = [](const char* text) { return container_status(json::parse(text).as_object()); };
  // The cpu_time limit's SIGKILL: an exit code alone would say "signaled".
  CHECK(status(R"({"status":"cpu_time","exit_code":137,"signal":9})") == "cpu_time");
  CHECK(status(R"({"status":"stopped","exit_code":143,"signal":15})") == "stopped");
  CHECK(status(R"({"exit_code":0,"signal":0,"oom_killed":false})") == "");  // damaged: no status
}

TEST_CASE("batch summary: CSV and JSON rows per item, one column group per container") {
  Item item = item_named("Smith, A", "smith-a");
  ItemEnd end;
  end.exit_code = 2;
  end.duration_ms = 1500;
  end.host = "node1";
  std::vector<ItemResult> results{
      judge_item(item, "lab-smith-a", format_item_end(end), std::string(kReport), "", "grader"),
      judge_item(item_named("bob", "bob"), "lab-bob", std::nullopt, std::nullopt, "", "grader")};
  auto csv = summary_csv(results, {"student", "grader"});
  CHECK(csv ==
        "item,project,result,exit_code,status,error,started_at,ended_at,duration_ms,host,"
        "fingerprint,student_status,student_exit_code,student_wall_time_ms,student_cpu_time_ms,"
        "student_memory_peak,grader_status,grader_exit_code,grader_wall_time_ms,"
        "grader_cpu_time_ms,grader_memory_peak\n"
        "\"Smith, A\",lab-smith-a,done,2,exited,,,,1500,node1,sha256:ab,failed_to_start,,0,0,10,"
        "exited,2,1200,4,20\n"
        "bob,lab-bob,not_run,,,,,,,,,,,,,,,,,,\n");
  auto summary = json::parse(summary_json(results, "/lab.toml", "grader")).as_object();
  CHECK(summary.at("counts").at("done").to_number<int>() == 1);
  CHECK(summary.at("counts").at("not_run").to_number<int>() == 1);
  const auto& first = summary.at("items").at(0).as_object();
  CHECK(first.at("exit_code").as_int64() == 2);
  CHECK(first.at("containers").at(1).at("status").as_string() == "exited");
  CHECK(summary.at("items").at(1).at("exit_code").is_null());
}

TEST_CASE("batch -j default: CPUs over the lab's cpus limits, memory over its memory limits") {
  spec::LoadOptions options;
  options.host_cpu_count = 8;
  auto lab = spec::load_lab_text(
      "name = \"jobs\"\n"
      "[containers.a]\nlimits = { cpus = 0.5, memory = \"100M\" }\n"
      "[containers.b]\nlimits = { cpus = 0.5, memory = \"100M\" }\n",
      "/tmp/jobs/lab.toml", options);
  REQUIRE(lab.lab);
  CHECK(default_jobs(*lab.lab, {8, 0}) == 8);
  CHECK(default_jobs(*lab.lab, {8, 500ull << 20}) == 2);
  CHECK(default_jobs(*lab.lab, {1, 0}) == 1);
  CHECK(default_jobs(*lab.lab, {2, 50ull << 20}) == 1);  // never below one
  auto unlimited =
      spec::load_lab_text("name = \"jobs\"\n[containers.a]\n", "/tmp/jobs/lab.toml", options);
  REQUIRE(unlimited.lab);
  CHECK(default_jobs(*unlimited.lab, {4, 1ull << 30}) == 4);  // one CPU each
}

TEST_CASE("batch progress: counts and ETA") {
  Progress progress;
  progress.total = 12;
  progress.done = 4;
  progress.failed = 1;
  progress.running = 4;
  progress.jobs = 4;
  CHECK(progress_line(progress) == "12 items: 4 done (1 failed), 4 running, 4 waiting");
  progress.mean_duration = std::chrono::seconds(30);
  CHECK(estimate_left(progress) == std::chrono::seconds(45));  // (4 + 4/2) * 30 / 4
  CHECK(progress_line(progress) == "12 items: 4 done (1 failed), 4 running, 4 waiting, ETA 45s");
  progress.mean_duration = std::chrono::seconds(100);
  CHECK(progress_line(progress).ends_with("ETA 2m30s"));
}
