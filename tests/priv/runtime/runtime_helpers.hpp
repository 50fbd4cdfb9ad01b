// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers of the runtime's privileged tests: a container plan made by hand around the busybox +
// probe image, its rootfs prepared by rootfs::prepare, and a way to run it to the end.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plan/lab_plan.hpp"
#include "rootfs/prepare.hpp"
#include "rootfs_fixture.hpp"
#include "runtime/container.hpp"
#include "security/seccomp.hpp"

namespace srcompose::test {

struct ContainerOptions {
  std::string name = "box";
  std::vector<std::string> argv{"/bin/probe"};
  uint32_t id_base = 0;  // host uid/gid of the container's root; 0: idmap = "host"
  std::vector<spec::Mount> mounts{};
  bool read_only = false;
  std::optional<spec::TimeOffsets> time_offsets{};
  std::string user = "0:0";
  std::string workdir = "/";
  uint64_t capabilities = 0;  // added to the default set
};

// One container ready to start: spec, plan, prepared rootfs, user and seccomp filter.
struct TestContainer {
  spec::Lab lab;
  plan::ContainerPlan plan;
  rootfs::PreparedRootfs rootfs;
  rootfs::ResolvedUser user;
  security::CompiledSeccomp seccomp;

  Result<runtime::StartedContainer> start(const runtime::StartHooks& hooks = {},
                                          runtime::Launcher* launcher = nullptr) const;
};

// A distinct 65536-id range per call in this process (pid-derived: parallel runs do not collide).
uint32_t unique_id_base();

// Builds the container around `image`, its storage below image.base(). REQUIREs every step.
std::unique_ptr<TestContainer> make_container(const BusyboxImage& image, ContainerOptions options);

struct Outcome {
  int exit_code = -1;
  std::string out, err;
  std::map<std::string, std::string> values;  // key=value lines of `out`
  std::string value(const std::string& key) const;
};

// Reads stdout/stderr until both close, then waits for the init.
Outcome finish(runtime::StartedContainer& started);
// start + finish, REQUIRE that the start succeeds.
Outcome run_container(const TestContainer& container);

// Reads one pipe (non-blocking fd) until `needle` shows up or EOF; returns what was read.
std::string read_until(int fd, const std::string& needle);

// `argv` run by runtime::exec_in_container in the running container (its helper cloned by
// `launcher` unless null), waited for through its pidfd: its exit code, stdout and key=value lines.
Outcome exec_and_wait(const TestContainer& container, const runtime::StartedContainer& started,
                      std::vector<std::string> argv, runtime::Launcher* launcher);
// The error of an exec that must fail (as exec_and_wait).
std::string exec_error(const TestContainer& container, const runtime::StartedContainer& started,
                       std::vector<std::string> argv, runtime::Launcher* launcher);

std::map<std::string, std::string> parse_values(const std::string& text);
// Lines of the host's /proc/self/mountinfo that contain `needle`.
std::vector<std::string> host_mounts_with(const std::string& needle);
// True when this process has no child at all (not even a zombie).
bool no_children();
// Host uid of a process, from /proc/PID/status.
uid_t host_uid_of(pid_t pid);

}  // namespace srcompose::test
