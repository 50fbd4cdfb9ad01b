// SPDX-License-Identifier: GPL-2.0-or-later
// Shared helpers of the privileged cgroup tests: a uniquely named project that is removed (with
// every process in it) whatever happens, and forked children placed in a cgroup before they run.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "cgroup/cgroup.hpp"
#include "sys/process.hpp"
#include "test_support.hpp"

namespace srcompose::test {

inline cgroup::HostLayout detected_host() {
  auto host = cgroup::detect_host();
  REQUIRE_MESSAGE(host.ok(), host.error().to_string());
  return *host;
}

// A project named after the test and the pid, so parallel runs never collide. Its destructor runs
// remove_project, which kills anything a failed test left behind and removes every directory.
class TestProject {
 public:
  explicit TestProject(std::string_view name)
      : host_(detected_host()), name_("t" + std::to_string(::getpid()) + "-" + std::string(name)) {}
  TestProject(const TestProject&) = delete;
  TestProject& operator=(const TestProject&) = delete;
  ~TestProject() {
    auto removed = cgroup::remove_project(host_, name_);
    CHECK_MESSAGE(removed.ok(), "cleanup failed: " << removed.error().to_string());
  }

  const cgroup::HostLayout& host() const { return host_; }
  const std::string& name() const { return name_; }
  plan::CgroupPlan plan(const std::string& container, const spec::Limits& limits = {}) const {
    plan::CgroupPlan plan;
    plan.project_path = "srcompose/" + name_;
    plan.path = plan.project_path + "/" + container;
    plan.limits = limits;
    return plan;
  }
  // Creates the container's cgroup or fails the test with the error.
  cgroup::ContainerCgroup create(const std::string& container, const spec::Limits& limits = {},
                                 const std::filesystem::path& rootfs_device = "/") const {
    auto cgroup = cgroup::ContainerCgroup::create(host_, plan(container, limits), rootfs_device);
    REQUIRE_MESSAGE(cgroup.ok(), cgroup.error().to_string());
    return std::move(*cgroup);
  }
  // Every directory the project has, in every hierarchy.
  std::vector<std::filesystem::path> directories() const {
    std::vector<std::filesystem::path> dirs;
    for (const auto& hierarchy : host_.hierarchies) {
      dirs.push_back(hierarchy.mount / "srcompose" / name_);
    }
    return dirs;
  }

 private:
  cgroup::HostLayout host_;
  std::string name_;
};

// Forks a child that waits until the parent has attached it to `cgroup`, then runs `body` and
// _exits with what it returns. The child never returns into doctest. Owned by ChildProcess: a
// failed test kills and reaps it.
template <class Body>
sys::ChildProcess start_in_cgroup(const cgroup::ContainerCgroup& cgroup, Body body) {
  int go[2];
  REQUIRE(::pipe2(go, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(go[1]);
    char byte = 0;
    if (::read(go[0], &byte, 1) != 1) ::_exit(99);  // the parent could not attach us
    ::close(go[0]);
    ::_exit(body());
  }
  ::close(go[0]);
  UniqueFd write_end(go[1]);
  // Debian 12's <sys/pidfd.h> lacks extern "C" (glibc 2.36): the raw system call links everywhere.
  sys::ChildProcess child(pid, UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))));
  REQUIRE(child.pidfd() >= 0);
  auto attached = cgroup.attach(pid);
  REQUIRE_MESSAGE(attached.ok(), attached.error().to_string());
  REQUIRE(::write(write_end.get(), "g", 1) == 1);
  return child;
}

// Bodies for start_in_cgroup: sleep until killed; or fork three sleeping children first.
inline int sleeper() {
  ::pause();
  return 0;
}

inline int sleeper_family() {
  for (int i = 0; i < 3; ++i) {
    if (::fork() == 0) {
      ::pause();
      ::_exit(0);
    }
  }
  ::pause();
  return 0;
}

inline int busy_loop() {
  volatile uint64_t counter = 0;
  for (;;)
    counter = counter + 1;
}

inline void sleep_for(std::chrono::milliseconds duration) {
  std::this_thread::sleep_for(duration);
}

inline uint64_t cpu_usec(const cgroup::ContainerCgroup& cgroup) {
  auto stats = cgroup.stats();
  REQUIRE_MESSAGE(stats.ok(), stats.error().to_string());
  return stats->cpu_user_usec + stats->cpu_system_usec;
}

// The file of `controller`'s hierarchy in the container's directory: lets tests read back what
// the kernel holds, on whatever layout this host has.
inline std::filesystem::path controller_file(const TestProject& project,
                                             const std::string& container,
                                             cgroup::Controller controller,
                                             const std::string& v1_file,
                                             const std::string& v2_file) {
  const cgroup::Hierarchy* hierarchy = project.host().driver_of(controller);
  REQUIRE(hierarchy != nullptr);
  bool v1 = hierarchy->version == cgroup::CgroupVersion::v1;
  return hierarchy->mount / project.plan(container).path / (v1 ? v1_file : v2_file);
}

}  // namespace srcompose::test
