// SPDX-License-Identifier: GPL-2.0-or-later
// Privileged: placement, freeze/thaw, kill-all and removal on the real kernel (crash cleanup and
// the waits: removal_test.cpp).
#include <doctest/doctest.h>
#include <sched.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include "cgroup_fixture.hpp"
#include "sys/syscalls.hpp"

using namespace srcompose;
using namespace srcompose::test;
using cgroup::Controller;

namespace {

// The cgroup paths of `pid`, one per line of /proc/<pid>/cgroup ("4:memory:/srcompose/p/c").
std::vector<std::string> cgroup_lines(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

// Checks that `pid` is in `cgroup` in every hierarchy the host drives.
void check_placed(pid_t pid, const TestProject& project, const cgroup::ContainerCgroup& cgroup) {
  auto lines = cgroup_lines(pid);
  const std::string suffix = ":/" + cgroup.relative_path();
  for (const auto& hierarchy : project.host().hierarchies) {
    // The v2 line is "0::/path"; a v1 line names its controllers ("2:cpu,cpuacct:/path").
    std::string key = hierarchy.version == cgroup::CgroupVersion::v2
                          ? "0:"
                          : std::string(cgroup::v1_name(hierarchy.controllers.front()));
    bool found = false;
    for (const auto& line : lines) {
      bool matches = hierarchy.version == cgroup::CgroupVersion::v2
                         ? line.rfind("0::", 0) == 0
                         : line.find(":" + key) != std::string::npos ||
                               line.find("," + key) != std::string::npos;
      if (matches) {
        found = true;
        CHECK_MESSAGE(line.size() >= suffix.size(), line);
        CHECK_MESSAGE(line.compare(line.size() - suffix.size(), suffix.size(), suffix) == 0, line);
      }
    }
    CHECK_MESSAGE(found, "no /proc/pid/cgroup line for " << hierarchy.mount);
  }
  for (const auto& procs : cgroup.procs_files()) {
    CHECK(read_file(procs) == std::to_string(pid) + "\n");
  }
}

// What a container's init does with an Entry: cloned into its cgroup2 directory, it writes "0" to
// the `tasks` files, then waits for `go` while the parent attaches the rest. Returns the child.
sys::ChildProcess enter_by_entry(const cgroup::Entry& entry) {
  int go[2], moved[2];
  REQUIRE(::pipe2(go, O_CLOEXEC) == 0);
  UniqueFd read_end(go[0]), write_end(go[1]);
  REQUIRE(::pipe2(moved, O_CLOEXEC) == 0);
  UniqueFd moved_read(moved[0]), moved_write(moved[1]);
  int pidfd = -1;
  pid_t pid = sys::clone3(CLONE_PIDFD, &pidfd, SIGCHLD, entry.clone_into.get());
  REQUIRE_MESSAGE(pid >= 0, "clone3: " << std::strerror(errno));
  if (pid == 0) {
    for (const auto& tasks : entry.tasks) {
      if (::write(tasks.get(), "0", 1) != 1) ::_exit(98);
    }
    if (::write(moved_write.get(), "m", 1) != 1) ::_exit(97);
    char byte = 0;
    if (::read(read_end.get(), &byte, 1) != 1) ::_exit(99);
    ::_exit(sleeper());
  }
  sys::ChildProcess child(pid, UniqueFd(pidfd));
  moved_write.reset();
  char byte = 0;
  REQUIRE_MESSAGE(::read(moved_read.get(), &byte, 1) == 1, "the child could not write to tasks");
  auto attached = cgroup::ContainerCgroup::attach_by_parent(pid, entry);
  REQUIRE_MESSAGE(attached.ok(), attached.error().to_string());
  REQUIRE(::write(write_end.get(), "g", 1) == 1);
  return child;
}

}  // namespace

TEST_CASE("attach places the process in the container's cgroup of every driven hierarchy") {
  require_root();
  TestProject project("attach");
  auto cgroup = project.create("web");
  CHECK(cgroup.relative_path() == "srcompose/" + project.name() + "/web");
  CHECK(cgroup.procs_files().size() == project.host().hierarchies.size());
  auto child = start_in_cgroup(cgroup, sleeper);
  check_placed(child.pid(), project, cgroup);
  auto empty = cgroup.empty();
  REQUIRE(empty.ok());
  CHECK_FALSE(*empty);
}

TEST_CASE("an init enters its cgroups by itself: cloned into the cgroup2 one, v1 by tasks") {
  require_root();
  TestProject project("entry");
  auto cgroup = project.create("web");
  const auto& host = project.host();
  const size_t v1_count = static_cast<size_t>(std::count_if(
      host.hierarchies.begin(), host.hierarchies.end(),
      [](const auto& hierarchy) { return hierarchy.version == cgroup::CgroupVersion::v1; }));
  {
    auto entry = cgroup.open_entry();
    REQUIRE_MESSAGE(entry.ok(), entry.error().to_string());
    CHECK(entry->tasks.size() == v1_count);
    CHECK(static_cast<bool>(entry->clone_into) == (host.unified() != nullptr));
    CHECK(entry->by_parent.empty());
    auto child = enter_by_entry(*entry);
    check_placed(child.pid(), project, cgroup);
    REQUIRE(cgroup.kill_all().ok());
    auto status = child.wait();
    REQUIRE(status.ok());
    CHECK(status->signal == SIGKILL);
  }
  // After a kill (a restart), the cgroup2 placement is the parent's to write.
  auto entry = cgroup.open_entry();
  REQUIRE_MESSAGE(entry.ok(), entry.error().to_string());
  CHECK_FALSE(entry->clone_into);
  CHECK(entry->tasks.size() == v1_count);
  CHECK(entry->by_parent.size() == (host.unified() ? 1U : 0U));
  auto child = enter_by_entry(*entry);
  check_placed(child.pid(), project, cgroup);
  REQUIRE(cgroup.kill_all().ok());
  CHECK(child.wait().ok());
}

TEST_CASE("freeze stops a busy loop's CPU time and thaw resumes it") {
  require_root();
  TestProject project("freeze");
  auto cgroup = project.create("busy");
  auto child = start_in_cgroup(cgroup, busy_loop);
  sleep_for(std::chrono::milliseconds(200));
  auto frozen = cgroup.freeze();
  REQUIRE_MESSAGE(frozen.ok(), frozen.error().to_string());
  uint64_t at_freeze = cpu_usec(cgroup);
  sleep_for(std::chrono::milliseconds(500));
  CHECK(cpu_usec(cgroup) == at_freeze);
  auto thawed = cgroup.thaw();
  REQUIRE_MESSAGE(thawed.ok(), thawed.error().to_string());
  sleep_for(std::chrono::milliseconds(300));
  CHECK(cpu_usec(cgroup) > at_freeze + 50'000);
}

TEST_CASE("kill_all empties the cgroup, also when frozen, and remove() deletes every directory") {
  require_root();
  TestProject project("kill");
  auto cgroup = project.create("family");
  auto child = start_in_cgroup(cgroup, sleeper_family);
  sleep_for(std::chrono::milliseconds(100));
  auto stats = cgroup.stats();
  REQUIRE(stats.ok());
  CHECK(stats->pids_current == 4);
  REQUIRE(cgroup.freeze().ok());
  auto killed = cgroup.kill_all();
  REQUIRE_MESSAGE(killed.ok(), killed.error().to_string());
  auto status = child.wait();
  REQUIRE(status.ok());
  CHECK(status->signal == SIGKILL);
  bool is_empty = false;
  for (int i = 0; i < 100 && !is_empty; ++i) {
    auto empty = cgroup.empty();
    REQUIRE(empty.ok());
    is_empty = *empty;
    if (!is_empty) sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(is_empty);
  auto files = cgroup.procs_files();
  auto removed = cgroup.remove();
  REQUIRE_MESSAGE(removed.ok(), removed.error().to_string());
  for (const auto& procs : files)
    CHECK_FALSE(std::filesystem::exists(procs.parent_path()));
  CHECK(cgroup.remove().ok());  // idempotent
}

TEST_CASE("a limit the kernel refuses fails create with the file and value, leaving nothing") {
  require_root();
  TestProject project("refused");
  spec::Limits limits;
  limits.cpuset = "4095";  // not a CPU of this machine: the kernel refuses it
  auto cgroup = cgroup::ContainerCgroup::create(project.host(), project.plan("bad", limits), "/");
  REQUIRE_FALSE(cgroup.ok());
  auto text = cgroup.error().to_string();
  CHECK_MESSAGE(text.find("cpuset.cpus = 4095") != std::string::npos, text);
  CHECK_MESSAGE(text.find("write ") != std::string::npos, text);
  for (const auto& dir : project.directories()) {
    CHECK_FALSE(std::filesystem::exists(dir / "bad"));
  }
  // check_limits finds the same problem before anything is created.
  auto checked = cgroup::check_limits(project.host(), project.plan("bad", limits), "/");
  REQUIRE_FALSE(checked.ok());
  CHECK(checked.error().to_string().rfind("container bad: limits.cpuset: CPU 4095", 0) == 0);
}

TEST_CASE("the detected layout drives each controller from exactly one hierarchy") {
  require_root();
  auto host = detected_host();
  MESSAGE("cgroup layout: " << cgroup::to_string(host.mode()));
  for (auto controller : {Controller::memory, Controller::cpu, Controller::pids, Controller::io,
                          Controller::cpuset}) {
    int drivers = 0;
    for (const auto& hierarchy : host.hierarchies) {
      for (auto driven : hierarchy.controllers)
        drivers += driven == controller ? 1 : 0;
    }
    CHECK_MESSAGE(drivers == 1, cgroup::display_name(controller));
  }
}

TEST_CASE("detect_host_once detects once per process and gives what detect_host gives") {
  require_root();
  auto host = detected_host();
  auto first = cgroup::detect_host_once();
  REQUIRE_MESSAGE(first.ok(), first.error().to_string());
  auto second = cgroup::detect_host_once();
  REQUIRE(second.ok());
  CHECK(*first == *second);  // the same object: not detected again
  REQUIRE((*first)->hierarchies.size() == host.hierarchies.size());
  for (size_t i = 0; i < host.hierarchies.size(); ++i) {
    CHECK((*first)->hierarchies[i].mount == host.hierarchies[i].mount);
    CHECK((*first)->hierarchies[i].controllers == host.hierarchies[i].controllers);
  }
}

TEST_CASE(
    "the v2 code paths run on the real unified hierarchy: place, freeze, stats, kill, remove") {
  require_root();
  TestProject project("unified");
  const cgroup::Hierarchy* unified = project.host().unified();
  REQUIRE_MESSAGE(unified != nullptr, "this host has no cgroup2 mount");
  // The host seen as pure v2 with whatever controllers its cgroup2 offers (none on a hybrid
  // host): the v2 driver's directory handling, cgroup.freeze, cpu.stat, cgroup.kill and
  // cgroup.events run against the kernel, not a fake.
  auto controllers = read_file(unified->mount / "cgroup.controllers");
  auto v2_only = cgroup::layout_from_mountinfo(
      "1 1 0:1 / " + unified->mount.string() + " rw - cgroup2 cgroup2 rw\n", controllers);
  REQUIRE(v2_only.mode() == cgroup::HostLayout::Mode::unified);
  auto created = cgroup::ContainerCgroup::create(v2_only, project.plan("busy"), "/");
  REQUIRE_MESSAGE(created.ok(), created.error().to_string());
  auto& cgroup = *created;
  auto child = start_in_cgroup(cgroup, busy_loop);
  CHECK(read_file(unified->mount / cgroup.relative_path() / "cgroup.procs") ==
        std::to_string(child.pid()) + "\n");
  sleep_for(std::chrono::milliseconds(200));
  REQUIRE(cgroup.freeze().ok());
  CHECK(read_file(unified->mount / cgroup.relative_path() / "cgroup.freeze") == "1\n");
  uint64_t at_freeze = cpu_usec(cgroup);
  CHECK(at_freeze > 0);
  sleep_for(std::chrono::milliseconds(500));
  CHECK(cpu_usec(cgroup) == at_freeze);
  REQUIRE(cgroup.thaw().ok());
  sleep_for(std::chrono::milliseconds(300));
  CHECK(cpu_usec(cgroup) > at_freeze + 50'000);
  REQUIRE(cgroup.freeze().ok());  // cgroup.kill also kills a frozen v2 cgroup
  REQUIRE(cgroup.kill_all().ok());
  auto status = child.wait();
  REQUIRE(status.ok());
  CHECK(status->signal == SIGKILL);
  auto removed = cgroup.remove();
  REQUIRE_MESSAGE(removed.ok(), removed.error().to_string());
  CHECK_FALSE(std::filesystem::exists(unified->mount / project.plan("busy").path));
}
