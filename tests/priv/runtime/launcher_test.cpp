// SPDX-License-Identifier: GPL-2.0-or-later
// Containers cloned by the launcher (runtime/launcher.hpp): they are this process's children and
// behave as containers cloned here; a launcher that hangs or dies costs a bounded wait and is
// replaced.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/launcher.hpp"
#include "runtime_helpers.hpp"

namespace srcompose::test {

namespace {

runtime::Launcher spawn_launcher(
    std::chrono::milliseconds answer_timeout = std::chrono::seconds(10)) {
  auto launcher = runtime::Launcher::spawn("/proc/self/exe", answer_timeout);
  REQUIRE_MESSAGE(launcher.ok(), (launcher.ok() ? "" : launcher.error().to_string()));
  return std::move(*launcher);
}

// The mount points of the mount namespace of `pid`, in /proc/PID/mountinfo's order.
std::vector<std::string> mount_points_of(pid_t pid) {
  std::ifstream mountinfo("/proc/" + std::to_string(pid) + "/mountinfo");
  std::vector<std::string> points;
  std::string id, parent, device, root, point;
  std::string rest;
  while (mountinfo >> id >> parent >> device >> root >> point) {
    points.push_back(point);
    std::getline(mountinfo, rest);
  }
  return points;
}

// "PPid:" of /proc/PID/status.
pid_t parent_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("PPid:", 0) == 0) return static_cast<pid_t>(std::stol(line.substr(5)));
  }
  return -1;
}

}  // namespace

TEST_CASE("a container cloned by the launcher is this process's child and runs as usual") {
  require_root();
  BusyboxImage image;
  auto launcher = spawn_launcher();
  CHECK(parent_of(launcher.pid()) == ::getpid());

  auto box = make_container(
      image, {.argv = {"/bin/probe", "pid", "wait-signal"}, .id_base = unique_id_base()});
  auto started = box->start({}, &launcher);
  REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().to_string()));
  // CLONE_PARENT: ours, not the launcher's; we signal, wait for and reap it through its pidfd.
  CHECK(parent_of(started->init.pid()) == ::getpid());
  std::string seen = read_until(started->stdout_read.get(), "waiting=1");
  CHECK(parse_values(seen)["pid"] == "2");
  // The launcher (past its setup: it answered) lives in a mount namespace of its own with an empty
  // root, /proc and /sys only (launcher.cpp's shrink_mount_namespace); ours has the host's tree.
  CHECK(mount_points_of(launcher.pid()) == std::vector<std::string>{"/", "/proc", "/sys"});
  CHECK(mount_points_of(::getpid()).size() > 3);
  REQUIRE(started->init.signal(SIGTERM).ok());
  Outcome outcome = finish(*started);
  CHECK(outcome.exit_code == 40 + SIGTERM);

  // The exit status, the user namespace and the failure reports all come through as well.
  auto exits = make_container(
      image, {.name = "exits", .argv = {"/bin/probe", "exit", "7"}, .id_base = unique_id_base()});
  auto second = exits->start({}, &launcher);
  REQUIRE(second.ok());
  CHECK(finish(*second).exit_code == 7);
  auto missing = make_container(
      image, {.name = "missing", .argv = {"/bin/no-such-program"}, .id_base = unique_id_base()});
  auto failed = missing->start({}, &launcher);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().to_string().find("exec /bin/no-such-program") != std::string::npos);
}

TEST_CASE("a config larger than a socket's default buffer reaches the launcher") {
  require_root();
  BusyboxImage image;
  auto launcher = spawn_launcher();
  // 300 KiB of arguments (in pieces: execve takes at most 128 KiB in one): more than the 208 KiB
  // a SOCK_SEQPACKET record may hold by default.
  const std::string piece(100 << 10, 'x');
  auto box = make_container(image, {.argv = {"/bin/probe", "exit", "5", piece, piece, piece},
                                    .id_base = unique_id_base()});
  auto started = box->start({}, &launcher);
  REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().to_string()));
  CHECK(finish(*started).exit_code == 5);
}

TEST_CASE("a launcher that does not answer costs the timeout, then another one takes over") {
  require_root();
  BusyboxImage image;
  auto launcher = spawn_launcher(std::chrono::milliseconds(300));
  const pid_t first = launcher.pid();
  REQUIRE(::kill(first, SIGSTOP) == 0);
  auto box =
      make_container(image, {.argv = {"/bin/probe", "exit", "3"}, .id_base = unique_id_base()});
  auto stalled = box->start({}, &launcher);
  REQUIRE_FALSE(stalled.ok());
  CHECK(stalled.error().to_string().find("launcher (pid " + std::to_string(first) +
                                         "): no answer in 300 ms") != std::string::npos);

  // The next start replaces the stopped launcher (killed and reaped) and succeeds.
  auto started = box->start({}, &launcher);
  REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().to_string()));
  CHECK(launcher.pid() != first);
  CHECK(::kill(first, 0) < 0);
  CHECK(finish(*started).exit_code == 3);
}

TEST_CASE("a launcher that was killed is replaced, and the start goes on") {
  require_root();
  BusyboxImage image;
  auto launcher = spawn_launcher();
  const pid_t first = launcher.pid();
  REQUIRE(::kill(first, SIGKILL) == 0);
  // Dead, not yet reaped: its socket is closed once the kernel has torn it down.
  siginfo_t info{};
  REQUIRE(::waitid(P_PID, static_cast<id_t>(first), &info, WEXITED | WNOWAIT) == 0);
  auto box =
      make_container(image, {.argv = {"/bin/probe", "exit", "4"}, .id_base = unique_id_base()});
  auto started = box->start({}, &launcher);
  REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().to_string()));
  CHECK(launcher.pid() != first);
  CHECK(finish(*started).exit_code == 4);
}

}  // namespace srcompose::test
