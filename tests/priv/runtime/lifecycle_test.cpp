// SPDX-License-Identifier: GPL-2.0-or-later
// The built-in init's contract (exit status, signal forwarding), failures that leave nothing
// behind, two containers side by side, time namespaces, and exec into a running container.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <optional>

#include "runtime/launcher.hpp"
#include "runtime_helpers.hpp"

namespace srcompose::test {

TEST_CASE("the init exits with the workload's status, 128+signal when it was killed") {
  require_root();
  BusyboxImage image;
  auto exits =
      make_container(image, {.argv = {"/bin/probe", "exit", "7"}, .id_base = unique_id_base()});
  CHECK(run_container(*exits).exit_code == 7);
  auto killed = make_container(
      image,
      {.name = "killed", .argv = {"/bin/probe", "kill-self", "9"}, .id_base = unique_id_base()});
  CHECK(run_container(*killed).exit_code == 128 + SIGKILL);
}

TEST_CASE("the init forwards SIGTERM to the workload, PID 2") {
  require_root();
  BusyboxImage image;
  auto box = make_container(
      image, {.argv = {"/bin/probe", "pid", "wait-signal"}, .id_base = unique_id_base()});
  auto started = box->start();
  REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().to_string()));
  std::string seen = read_until(started->stdout_read.get(), "waiting=1");
  CHECK(parse_values(seen)["pid"] == "2");
  REQUIRE(started->init.signal(SIGTERM).ok());
  Outcome outcome = finish(*started);
  outcome.out = seen + outcome.out;
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  CHECK(parse_values(outcome.out)["signal"] == std::to_string(SIGTERM));
  CHECK(outcome.exit_code == 40 + SIGTERM);
}

TEST_CASE("two containers with different ranges are each root inside, distinct on the host") {
  require_root();
  BusyboxImage image;
  const uint32_t first_base = unique_id_base(), second_base = unique_id_base();
  auto first =
      make_container(image, {.name = "one",
                             .argv = {"/bin/probe", "ids", "create", "/mine", "sleep", "30"},
                             .id_base = first_base});
  auto second =
      make_container(image, {.name = "two",
                             .argv = {"/bin/probe", "ids", "create", "/mine", "sleep", "30"},
                             .id_base = second_base});
  auto one = first->start();
  REQUIRE_MESSAGE(one.ok(), (one.ok() ? "" : one.error().to_string()));
  auto two = second->start();
  REQUIRE_MESSAGE(two.ok(), (two.ok() ? "" : two.error().to_string()));
  auto one_seen = parse_values(read_until(one->stdout_read.get(), "create_errno="));
  auto two_seen = parse_values(read_until(two->stdout_read.get(), "create_errno="));
  CHECK(one_seen["uid"] == "0");
  CHECK(two_seen["uid"] == "0");
  // The host sees each init (root inside) under its own mapped uid...
  CHECK(host_uid_of(one->init.pid()) == first_base);
  CHECK(host_uid_of(two->init.pid()) == second_base);
  // ...and each one's files under it.
  struct stat made {};
  REQUIRE(::stat((first->rootfs.upper / "mine").c_str(), &made) == 0);
  CHECK(made.st_uid == first_base);
  REQUIRE(::stat((second->rootfs.upper / "mine").c_str(), &made) == 0);
  CHECK(made.st_uid == second_base);
  REQUIRE(one->init.signal(SIGKILL).ok());
  REQUIRE(two->init.signal(SIGKILL).ok());
  CHECK(finish(*one).exit_code == 128 + SIGKILL);
  CHECK(finish(*two).exit_code == 128 + SIGKILL);
}

TEST_CASE("a failing step names itself and leaves no process and no mount behind") {
  require_root();
  BusyboxImage image;
  const std::string marker = image.base().string();

  SUBCASE("missing command") {
    auto box =
        make_container(image, {.name = "web", .argv = {"/bin/nope"}, .id_base = unique_id_base()});
    auto started = box->start();
    REQUIRE_FALSE(started.ok());
    CHECK(started.error().to_string() ==
          "container web: exec /bin/nope: No such file or directory");
  }
  SUBCASE("command not in PATH") {
    auto box =
        make_container(image, {.name = "web", .argv = {"httpd"}, .id_base = unique_id_base()});
    auto started = box->start();
    REQUIRE_FALSE(started.ok());
    CHECK(started.error().to_string() == "container web: exec httpd: No such file or directory");
  }
  SUBCASE("missing bind source") {
    spec::Mount data;
    data.type = spec::MountType::bind;
    data.source = image.base() / "does-not-exist";
    data.target = "/data";
    auto box =
        make_container(image, {.name = "web", .id_base = unique_id_base(), .mounts = {data}});
    auto started = box->start();
    REQUIRE_FALSE(started.ok());
    CHECK(started.error().to_string().rfind("container web: mount /data: open_tree ", 0) == 0);
    CHECK(started.error().error_number() == ENOENT);
  }
  SUBCASE("a mount in the child fails: a tmpfs over a file of the image") {
    spec::Mount over_file;
    over_file.type = spec::MountType::tmpfs;
    over_file.target = "/etc/passwd";
    auto box =
        make_container(image, {.name = "web", .id_base = unique_id_base(), .mounts = {over_file}});
    auto started = box->start();
    REQUIRE_FALSE(started.ok());
    // move_mount(2) of a directory mount onto a file: EINVAL.
    CHECK(started.error().to_string().rfind("container web: mount /etc/passwd: ", 0) == 0);
    CHECK(started.error().error_number() != 0);
  }
  SUBCASE("missing working directory") {
    auto box =
        make_container(image, {.name = "web", .id_base = unique_id_base(), .workdir = "/nowhere"});
    auto started = box->start();
    REQUIRE_FALSE(started.ok());
    CHECK(started.error().to_string() ==
          "container web: chdir /nowhere: No such file or directory");
  }
  SUBCASE("a failing hook") {
    auto box = make_container(image, {.name = "web", .id_base = unique_id_base()});
    pid_t hooked = 0;
    runtime::StartHooks hooks;
    hooks.after_clone = [&](pid_t pid, int) -> Status {
      hooked = pid;
      return Error::message("attach cgroup: refused by the test");
    };
    auto started = box->start(hooks);
    REQUIRE_FALSE(started.ok());
    CHECK(started.error().to_string() == "container web: attach cgroup: refused by the test");
    CHECK(hooked > 0);
    CHECK(::kill(hooked, 0) < 0);
  }
  CHECK(no_children());
  CHECK(host_mounts_with(marker).empty());
}

TEST_CASE("the hook runs with the maps written, before the child goes on") {
  require_root();
  BusyboxImage image;
  const uint32_t base = unique_id_base();
  auto box = make_container(image, {.argv = {"/bin/probe", "exit", "0"}, .id_base = base});
  std::string uid_map;
  runtime::StartHooks hooks;
  hooks.after_clone = [&](pid_t pid, int pidfd) -> Status {
    CHECK(pidfd >= 0);
    uid_map = read_file("/proc/" + std::to_string(pid) + "/uid_map");
    return {};
  };
  auto started = box->start(hooks);
  REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().to_string()));
  CHECK(uid_map.find(std::to_string(base)) != std::string::npos);
  CHECK(finish(*started).exit_code == 0);
}

TEST_CASE("a time namespace shifts the workload's monotonic and boot clocks") {
  require_root();
  BusyboxImage image;
  const int64_t ten_days = 10 * 86400;
  auto box = make_container(image, {.argv = {"/bin/probe", "read", "/proc/uptime"},
                                    .id_base = unique_id_base(),
                                    .time_offsets = spec::TimeOffsets{ten_days, ten_days}});
  // busybox cat prints the content; the probe only sizes it, so use cat.
  box->plan.process.argv = {"/bin/cat", "/proc/uptime"};
  Outcome outcome = run_container(*box);
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  REQUIRE(outcome.exit_code == 0);
  CHECK(std::stod(outcome.out) >= static_cast<double>(ten_days));
}

TEST_CASE("exec_in_container runs inside the container and returns the exit code") {
  require_root();
  BusyboxImage image;
  // The CLI's exec clones its helper itself; the supervisor has its launcher clone it. Either way
  // the helper and the process are this process's children (waited for through their pidfds).
  std::optional<runtime::Launcher> launcher;
  SUBCASE("the helper cloned here") {}
  SUBCASE("the helper cloned by a launcher") {
    auto spawned = runtime::Launcher::spawn("/proc/self/exe");
    REQUIRE_MESSAGE(spawned.ok(), (spawned.ok() ? "" : spawned.error().to_string()));
    launcher.emplace(std::move(*spawned));
  }
  runtime::Launcher* cloner = launcher ? &*launcher : nullptr;
  auto box = make_container(
      image, {.name = "db", .argv = {"/bin/probe", "sleep", "30"}, .id_base = unique_id_base()});
  auto started = box->start({}, cloner);
  REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().to_string()));

  Outcome outcome = exec_and_wait(
      *box, *started, {"probe", "hostname", "pid", "procs", "ids", "exit", "3"}, cloner);
  INFO("exec output: " << outcome.out);
  CHECK(outcome.exit_code == 3);
  auto& seen = outcome.values;
  CHECK(seen["hostname"] == "db");
  CHECK(seen["ppid"] == "0");  // its parent (the caller) is outside the pid namespace
  CHECK(seen["pids"] == "1,2," + seen["pid"]);
  CHECK(seen["uid"] == "0");
  CHECK(seen["NoNewPrivs"] == "1");
  CHECK(seen["Seccomp"] == "2");
  CHECK(seen["CapEff"] == "00000000800405fb");

  CHECK(exec_error(*box, *started, {"/bin/nope"}, cloner) ==
        "exec in container db: exec /bin/nope: No such file or directory");

  REQUIRE(started->init.signal(SIGKILL).ok());
  finish(*started);
  launcher.reset();  // killed and reaped
  CHECK(no_children());
}

}  // namespace srcompose::test
