// SPDX-License-Identifier: GPL-2.0-or-later
// Privileged: the one "kill, wait until empty, rmdir" of container and project cgroups on the real
// kernel: an empty cgroup goes without any freezing or killing, a live one is killed and waited
// for through the kernel's notifications, and the waits are bounded.
#include <doctest/doctest.h>
#include <sys/inotify.h>

#include <chrono>

#include "cgroup/driver.hpp"
#include "cgroup_fixture.hpp"

using namespace srcompose;
using namespace srcompose::test;
using cgroup::Controller;
using Clock = std::chrono::steady_clock;

namespace {

// Records every write(2) to the files that freeze or kill a cgroup (v1 freezer.state, v2
// cgroup.freeze and cgroup.kill) in the given directories: the VFS reports each one as IN_MODIFY.
class FreezeAndKillWatch {
 public:
  explicit FreezeAndKillWatch(const std::vector<std::filesystem::path>& dirs)
      : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    REQUIRE(fd_);
    for (const auto& dir : dirs) {
      for (const char* file : {"freezer.state", "cgroup.freeze", "cgroup.kill"}) {
        auto path = dir / file;
        if (std::filesystem::exists(path)) {
          REQUIRE(::inotify_add_watch(fd_.get(), path.c_str(), IN_MODIFY) >= 0);
          ++watched_;
        }
      }
    }
    REQUIRE(watched_ > 0);
  }
  // IN_MODIFY events seen so far (removal of a watched file gives IN_IGNORED, not counted).
  int writes() {
    alignas(inotify_event) char buffer[4096];
    for (ssize_t length; (length = ::read(fd_.get(), buffer, sizeof buffer)) > 0;) {
      for (ssize_t offset = 0; offset < length;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
        if (event->mask & IN_MODIFY) ++writes_;
        offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
    return writes_;
  }

 private:
  UniqueFd fd_;
  int watched_ = 0;
  int writes_ = 0;
};

std::vector<std::filesystem::path> container_dirs(const TestProject& project,
                                                  const std::string& container) {
  std::vector<std::filesystem::path> dirs;
  for (const auto& hierarchy : project.host().hierarchies)
    dirs.push_back(hierarchy.mount / project.plan(container).path);
  return dirs;
}

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

TEST_CASE("an empty container and project cgroup are removed without freezing or killing") {
  require_root();
  TestProject project("empty");
  auto cgroup = project.create("idle");
  auto child = start_in_cgroup(cgroup, [] { return 0; });  // was there once, has exited
  REQUIRE(child.wait().ok());
  auto dirs = container_dirs(project, "idle");
  auto project_dirs = project.directories();
  dirs.insert(dirs.end(), project_dirs.begin(), project_dirs.end());
  FreezeAndKillWatch watch(dirs);
  auto removed = cgroup.remove();
  REQUIRE_MESSAGE(removed.ok(), removed.error().to_string());
  auto project_removed = cgroup::remove_project(project.host(), project.name());
  REQUIRE_MESSAGE(project_removed.ok(), project_removed.error().to_string());
  CHECK(watch.writes() == 0);
  for (const auto& dir : dirs)
    CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE(
    "remove() of a cgroup with live processes kills them, waits and removes every directory") {
  require_root();
  TestProject project("live");
  auto cgroup = project.create("family");
  auto child = start_in_cgroup(cgroup, sleeper_family);
  sleep_for(std::chrono::milliseconds(50));  // the grandchildren forked
  auto dirs = container_dirs(project, "family");
  auto removed = cgroup.remove();
  REQUIRE_MESSAGE(removed.ok(), removed.error().to_string());
  auto status = child.wait();
  REQUIRE(status.ok());
  CHECK(status->signal == SIGKILL);
  for (const auto& dir : dirs)
    CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE(
    "remove_project kills a crashed run's live processes, through cgroup.kill where there is "
    "cgroup2") {
  require_root();
  TestProject project("projkill");
  auto cgroup = project.create("left");
  auto child = start_in_cgroup(cgroup, sleeper_family);
  cgroup.release();  // as after a supervisor crash
  auto dirs = container_dirs(project, "left");
  auto project_dirs = project.directories();
  dirs.insert(dirs.end(), project_dirs.begin(), project_dirs.end());
  FreezeAndKillWatch watch(dirs);
  auto removed = cgroup::remove_project(project.host(), project.name());
  REQUIRE_MESSAGE(removed.ok(), removed.error().to_string());
  auto status = child.wait();
  REQUIRE(status.ok());
  CHECK(status->signal == SIGKILL);
  for (const auto& dir : project.directories())
    CHECK_FALSE(std::filesystem::exists(dir));
  // With a cgroup2 mount (hybrid and pure v2 hosts) one write to cgroup.kill kills everything: the
  // v1 freezer is never frozen (it once was, with 5 ms sleeps on the supervisor's loop).
  if (project.host().unified()) CHECK(watch.writes() == 1);
}

TEST_CASE("the waits for killed processes return when they are gone, or at the deadline") {
  require_root();
  TestProject project("wait");
  auto cgroup = project.create("one");
  auto child = start_in_cgroup(cgroup, sleeper);
  auto dirs = container_dirs(project, "one");
  const auto* unified = project.host().unified();
  REQUIRE_MESSAGE(unified != nullptr, "this host has no cgroup2 mount (cgroup.events)");
  auto unified_dir = unified->mount / project.plan("one").path;

  // Alive: both waits give up at their deadline, not before and not much later.
  auto start = Clock::now();
  REQUIRE(cgroup::v1_driver()
              .wait_until_empty(dirs.front(), start + std::chrono::milliseconds(150))
              .ok());
  double waited = milliseconds_since(start);
  CHECK(waited >= 140);
  CHECK(waited < 1000);
  start = Clock::now();
  REQUIRE(cgroup::v2_driver()
              .wait_until_empty(unified_dir, start + std::chrono::milliseconds(150))
              .ok());
  waited = milliseconds_since(start);
  CHECK(waited >= 140);
  CHECK(waited < 1000);
  auto populated = cgroup::v2_driver().populated(unified_dir);
  REQUIRE(populated.ok());
  CHECK(*populated);

  // Killed: the pidfd (v1) and cgroup.events (v2) waits wake as soon as it has left, long before
  // a 10 s deadline.
  REQUIRE(::kill(child.pid(), SIGKILL) == 0);
  start = Clock::now();
  REQUIRE(
      cgroup::v1_driver().wait_until_empty(dirs.front(), start + std::chrono::seconds(10)).ok());
  REQUIRE(cgroup::v2_driver().wait_until_empty(unified_dir, start + std::chrono::seconds(10)).ok());
  CHECK(milliseconds_since(start) < 5000);
  populated = cgroup::v2_driver().populated(unified_dir);
  REQUIRE(populated.ok());
  CHECK_FALSE(*populated);
  auto empty = cgroup.empty();
  REQUIRE(empty.ok());
  CHECK(*empty);
}
