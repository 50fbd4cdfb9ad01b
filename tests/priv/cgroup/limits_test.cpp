// SPDX-License-Identifier: GPL-2.0-or-later
// Privileged: limits enforced by the real kernel, on whatever layout this host has (v1 hybrid on
// the development machines, pure v2 elsewhere: the API selects the driver, the read-backs select
// the file by the detected layout).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cgroup_fixture.hpp"

using namespace srcompose;
using namespace srcompose::test;
using cgroup::Controller;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint64_t kMiB = 1024 * 1024;

// Allocates and touches 1 MiB at a time, up to 1 GiB: far past any limit used here.
int memory_hog() {
  for (int i = 0; i < 1024; ++i) {
    auto* chunk = static_cast<char*>(std::malloc(kMiB));
    if (!chunk) return 3;
    std::memset(chunk, i & 0xff, kMiB);
  }
  return 0;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

TEST_CASE("a memory hog limited to 32M is OOM-killed, counted, and the OOM watch fires") {
  require_root();
  TestProject project("oom");
  spec::Limits limits;
  limits.memory = 32 * kMiB;
  limits.memory_swap = 32 * kMiB;  // no swap either
  auto cgroup = project.create("hog", limits);
  CHECK(read_file(controller_file(project, "hog", Controller::memory, "memory.limit_in_bytes",
                                  "memory.max")) == "33554432\n");
  auto watch = cgroup.watch_oom();
  REQUIRE_MESSAGE(watch.ok(), watch.error().to_string());

  auto child = start_in_cgroup(cgroup, memory_hog);
  auto status = child.wait();
  REQUIRE(status.ok());
  CHECK(status->signal == SIGKILL);

  pollfd ready{watch->fd(), POLLIN, 0};
  CHECK(::poll(&ready, 1, 2000) == 1);
  watch->drain();
  CHECK(::poll(&ready, 1, 0) == 0);  // drained: no longer readable

  auto ooms = cgroup.oom_kill_count();
  REQUIRE(ooms.ok());
  CHECK(*ooms == 1);
  auto stats = cgroup.stats();
  REQUIRE_MESSAGE(stats.ok(), stats.error().to_string());
  CHECK(stats->oom_kills == 1);
  CHECK(stats->memory_limit == 32 * kMiB);
  CHECK(stats->memory_peak > 16 * kMiB);
  CHECK(stats->memory_peak <= 32 * kMiB);
}

TEST_CASE("a container killed by SIGKILL is not counted as OOM") {
  require_root();
  TestProject project("kill9");
  spec::Limits limits;
  limits.memory = 32 * kMiB;
  auto cgroup = project.create("sleeper", limits);
  auto watch = cgroup.watch_oom();
  REQUIRE(watch.ok());
  auto child = start_in_cgroup(cgroup, [] {
    ::pause();
    return 0;
  });
  sleep_for(std::chrono::milliseconds(50));
  REQUIRE(::kill(child.pid(), SIGKILL) == 0);
  auto status = child.wait();
  REQUIRE(status.ok());
  CHECK(status->signal == SIGKILL);
  auto ooms = cgroup.oom_kill_count();
  REQUIRE(ooms.ok());
  CHECK(*ooms == 0);
  pollfd ready{watch->fd(), POLLIN, 0};
  CHECK(::poll(&ready, 1, 0) == 0);
}

TEST_CASE("busy siblings on one CPU with weights 100 and 1000 share it about 1:10") {
  require_root();
  TestProject project("weight");
  spec::Limits light;
  light.cpu_weight = 100;
  light.cpuset = "0";
  spec::Limits heavy = light;
  heavy.cpu_weight = 1000;
  auto light_cgroup = project.create("light", light);
  auto heavy_cgroup = project.create("heavy", heavy);
  spec::Limits unweighted;
  unweighted.cpuset = "0";
  auto unweighted_cgroup = project.create("plain", unweighted);
  // A container without a weight gets exactly what weight 100 gets, on v1 as on v2.
  if (project.host().driver_of(Controller::cpu)->version == cgroup::CgroupVersion::v1) {
    CHECK(read_file(controller_file(project, "heavy", Controller::cpu, "cpu.shares", "")) ==
          "10240\n");
    CHECK(read_file(controller_file(project, "light", Controller::cpu, "cpu.shares", "")) ==
          read_file(controller_file(project, "plain", Controller::cpu, "cpu.shares", "")));
  } else {
    CHECK(read_file(controller_file(project, "heavy", Controller::cpu, "", "cpu.weight")) ==
          "1000\n");
    CHECK(read_file(controller_file(project, "light", Controller::cpu, "", "cpu.weight")) ==
          read_file(controller_file(project, "plain", Controller::cpu, "", "cpu.weight")));
  }
  auto light_child = start_in_cgroup(light_cgroup, busy_loop);
  auto heavy_child = start_in_cgroup(heavy_cgroup, busy_loop);
  sleep_for(std::chrono::milliseconds(200));
  uint64_t light_start = cpu_usec(light_cgroup);
  uint64_t heavy_start = cpu_usec(heavy_cgroup);
  sleep_for(std::chrono::milliseconds(3000));
  double light_used = static_cast<double>(cpu_usec(light_cgroup) - light_start);
  double heavy_used = static_cast<double>(cpu_usec(heavy_cgroup) - heavy_start);
  REQUIRE(light_used > 0);
  double ratio = heavy_used / light_used;
  MESSAGE("light " << light_used << " us, heavy " << heavy_used << " us, ratio " << ratio);
  CHECK(ratio >= 5.0);
  CHECK(ratio <= 20.0);
  // Pinned: together they used at most one CPU.
  CHECK(light_used + heavy_used <= 3.2e6);
}

TEST_CASE("a cpus = 0.5 busy loop gets about half a CPU") {
  require_root();
  TestProject project("quota");
  // Both children are pinned to CPU 0. The capped one has the top weight, a reference busy loop
  // beside it the lowest: together they use all the CPU time the host leaves to the project (on
  // a loaded machine that can be less than half a CPU), and the capped one gets all of it up to
  // its quota, the reference the rest.
  spec::Limits capped;
  capped.cpus = 0.5;
  capped.cpu_weight = 10000;
  capped.cpuset = "0";
  spec::Limits reference;
  reference.cpu_weight = 1;
  reference.cpuset = "0";
  auto cgroup = project.create("half", capped);
  auto reference_cgroup = project.create("reference", reference);
  if (project.host().driver_of(Controller::cpu)->version == cgroup::CgroupVersion::v1) {
    CHECK(read_file(controller_file(project, "half", Controller::cpu, "cpu.cfs_quota_us", "")) ==
          "50000\n");
  } else {
    CHECK(read_file(controller_file(project, "half", Controller::cpu, "", "cpu.max")) ==
          "50000 100000\n");
  }
  auto child = start_in_cgroup(cgroup, busy_loop);
  auto reference_child = start_in_cgroup(reference_cgroup, busy_loop);
  sleep_for(std::chrono::milliseconds(200));
  uint64_t start = cpu_usec(cgroup);
  uint64_t reference_start = cpu_usec(reference_cgroup);
  auto started = Clock::now();
  sleep_for(std::chrono::milliseconds(3000));
  double seconds = seconds_since(started);
  double share = static_cast<double>(cpu_usec(cgroup) - start) / 1e6 / seconds;
  double rest = static_cast<double>(cpu_usec(reference_cgroup) - reference_start) / 1e6 / seconds;
  double available = share + rest;
  MESSAGE("share of one CPU: " << share << " (the project got " << available << ")");
  CHECK(share <= 0.65);
  if (available >= 0.6) {
    CHECK(share >= 0.35);
  } else {
    // The host left less than the quota: the cap must not take any of it away.
    MESSAGE("host too busy for the 0.35 lower bound: checking the capped loop got >= 80% of "
            << available);
    CHECK(share >= 0.8 * available);
  }
}

TEST_CASE("a fork bomb under pids = 32 fails with EAGAIN past the limit; the host still forks") {
  require_root();
  TestProject project("pids");
  spec::Limits limits;
  limits.pids = 32;
  auto cgroup = project.create("bomb", limits);
  CHECK(read_file(controller_file(project, "bomb", Controller::pids, "pids.max", "pids.max")) ==
        "32\n");
  // Bounded bomb: at most 100 forks; each child sleeps. Exit code: forks that succeeded, or 200
  // when a fork failed with something else than EAGAIN.
  auto bomb = start_in_cgroup(cgroup, [] {
    for (int forks = 0; forks < 100; ++forks) {
      pid_t pid = ::fork();
      if (pid == 0) {
        ::pause();
        ::_exit(0);
      }
      if (pid < 0) return errno == EAGAIN ? forks : 200;
    }
    return 100;
  });
  uint64_t highest = 0;
  std::optional<sys::ExitStatus> ended;
  for (int i = 0; i < 300 && !ended; ++i) {
    auto stats = cgroup.stats();
    REQUIRE(stats.ok());
    highest = std::max(highest, stats->pids_current);
    auto waited = bomb.try_wait();
    REQUIRE(waited.ok());
    ended = *waited;
    if (!ended) sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(ended.has_value());
  CHECK(ended->exit_code == 31);  // the bomb itself is the 32nd task
  CHECK(highest <= 32);
  auto stats = cgroup.stats();
  REQUIRE(stats.ok());
  CHECK(stats->pids_peak == 32);
  // The limit is the container's only: the test process forks fine.
  pid_t outside = ::fork();
  REQUIRE(outside >= 0);
  if (outside == 0) ::_exit(0);
  int status = 0;
  CHECK(::waitpid(outside, &status, 0) == outside);
  auto removed = cgroup.remove();  // kills the 31 sleepers
  CHECK_MESSAGE(removed.ok(), removed.error().to_string());
}

namespace {

constexpr size_t kBlock = 64 * 1024;
constexpr size_t kTotal = 3 * kMiB;

// Writes or reads kTotal bytes of `file` in 64 KiB O_DIRECT blocks. Exit code 0 on success.
int direct_io(const char* file, bool write) {
  int flags = write ? (O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT | O_SYNC) : (O_RDONLY | O_DIRECT);
  int fd = ::open(file, flags | O_CLOEXEC, 0600);
  if (fd < 0) return 1;
  void* buffer = nullptr;
  if (::posix_memalign(&buffer, 4096, kBlock) != 0) return 2;
  std::memset(buffer, 0x5a, kBlock);
  for (size_t done = 0; done < kTotal; done += kBlock) {
    ssize_t moved = write ? ::write(fd, buffer, kBlock) : ::read(fd, buffer, kBlock);
    if (moved != static_cast<ssize_t>(kBlock)) return 3;
  }
  return ::close(fd) == 0 ? 0 : 4;
}

}  // namespace

TEST_CASE("direct I/O under 1 MiB/s read and write limits on the rootfs device goes at that rate") {
  require_root();
  TestProject project("io");
  TempDir storage("srcompose-cgroup-io");  // stands for the container's storage: on the disk
  spec::Limits limits;
  limits.io_read_bps.push_back({"rootfs", kMiB});
  limits.io_write_bps.push_back({"rootfs", kMiB});
  auto cgroup = project.create("disk", limits, storage.path());
  auto file = storage.path() / "data";

  auto writer_started = Clock::now();
  auto writer = start_in_cgroup(cgroup, [&] { return direct_io(file.c_str(), true); });
  auto written = writer.wait();
  double write_rate = static_cast<double>(kTotal) / kMiB / seconds_since(writer_started);
  REQUIRE(written.ok());
  CHECK(written->exit_code == 0);

  auto reader_started = Clock::now();
  auto reader = start_in_cgroup(cgroup, [&] { return direct_io(file.c_str(), false); });
  auto read = reader.wait();
  double read_rate = static_cast<double>(kTotal) / kMiB / seconds_since(reader_started);
  REQUIRE(read.ok());
  CHECK(read->exit_code == 0);

  MESSAGE("write " << write_rate << " MiB/s, read " << read_rate << " MiB/s");
  CHECK(write_rate >= 0.6);
  CHECK(write_rate <= 1.5);
  CHECK(read_rate >= 0.6);
  CHECK(read_rate <= 1.5);
  auto stats = cgroup.stats();
  REQUIRE_MESSAGE(stats.ok(), stats.error().to_string());
  CHECK(stats->io_write_bytes >= kTotal);
  CHECK(stats->io_read_bytes >= kTotal);
  CHECK(stats->io_write_ops >= kTotal / kBlock);
  CHECK(stats->io_read_ops >= kTotal / kBlock);
}
