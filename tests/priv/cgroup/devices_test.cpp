// SPDX-License-Identifier: GPL-2.0-or-later
// The device allow-list on the real kernel: a process of the container's cgroup (host root with
// every capability, as a container with idmap = "host" and cap_add = ["MKNOD"] is at best) may
// create device nodes but open none of the host's devices except the listed ones. The v1 devices
// controller and the v2 BPF program are each tested alone, then as containers get them: v1's
// controller where the host mounts it, else the program.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "cgroup/devices.hpp"
#include "cgroup/driver.hpp"
#include "cgroup_fixture.hpp"

namespace srcompose::test {

namespace {

namespace fs = std::filesystem;

struct Disk {
  std::string name;    // "vda": devtmpfs names its node /dev/vda
  std::string number;  // "254:0"
};

// A whole disk of this host: opening it for reading needs nothing but root.
Disk host_disk() {
  for (const auto& entry : fs::directory_iterator("/sys/block")) {
    const std::string name = entry.path().filename();
    if (name.rfind("loop", 0) == 0 || name.rfind("ram", 0) == 0) continue;
    std::string device = read_file(entry.path() / "dev");
    while (!device.empty() && device.back() == '\n')
      device.pop_back();
    if (!device.empty()) return {name, device};
  }
  FAIL("no block device on this host to test with");
  return {};
}

// What a process of the cgroup gets: errno of each step, 0 when it succeeded.
struct DeviceOutcome {
  int null_error = -1;   // open /dev/null read-write
  int mknod_error = -1;  // mknod of the host's disk in a temporary directory
  int node_error = -1;   // open that node for reading
  int disk_error = -1;   // open the host's own /dev node of the disk for reading
};

// Runs the probes in a child that first moves itself into each of `procs_files`.
DeviceOutcome probe_devices(const std::vector<fs::path>& procs_files) {
  const Disk disk = host_disk();
  const auto colon = disk.number.find(':');
  const dev_t device = makedev(static_cast<unsigned>(std::stoul(disk.number.substr(0, colon))),
                               static_cast<unsigned>(std::stoul(disk.number.substr(colon + 1))));
  TempDir dir("srcompose-devices");
  const fs::path node = dir.path() / "disk";
  const fs::path host_node = fs::path("/dev") / disk.name;
  int report[2];
  REQUIRE(::pipe2(report, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    for (const auto& file : procs_files) {
      int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0 || ::write(fd, "0", 1) != 1) ::_exit(90);
      ::close(fd);
    }
    DeviceOutcome outcome;
    auto opened = [](const char* path, int flags) {
      int fd = ::open(path, flags | O_CLOEXEC);
      if (fd < 0) return errno;
      ::close(fd);
      return 0;
    };
    outcome.null_error = opened("/dev/null", O_RDWR);
    outcome.mknod_error = ::mknod(node.c_str(), S_IFBLK | 0600, device) < 0 ? errno : 0;
    outcome.node_error = outcome.mknod_error == 0 ? opened(node.c_str(), O_RDONLY) : -1;
    outcome.disk_error = opened(host_node.c_str(), O_RDONLY);
    if (::write(report[1], &outcome, sizeof outcome) != sizeof outcome) ::_exit(91);
    ::_exit(0);
  }
  ::close(report[1]);
  DeviceOutcome outcome;
  const bool got = ::read(report[0], &outcome, sizeof outcome) == sizeof outcome;
  ::close(report[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE_MESSAGE(got, "the child reported nothing, status " << status);
  return outcome;
}

void check_confined(const DeviceOutcome& outcome) {
  CHECK(outcome.null_error == 0);
  CHECK(outcome.mknod_error == 0);  // docker's list: mknod of any node, opening of few
  CHECK(outcome.node_error == EPERM);
  CHECK(outcome.disk_error == EPERM);
}

// A cgroup directory of one hierarchy made for one test, removed at the end.
class BareCgroup {
 public:
  explicit BareCgroup(const fs::path& mount)
      : dir_(mount / ("srcompose-devices-test-" + std::to_string(::getpid()))) {
    REQUIRE(::mkdir(dir_.c_str(), 0755) == 0);
  }
  ~BareCgroup() { CHECK(::rmdir(dir_.c_str()) == 0); }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

// How many programs of BPF_CGROUP_DEVICE the cgroup2 directory `dir` has attached (BPF_PROG_QUERY).
uint32_t device_programs_attached(const fs::path& dir) {
  UniqueFd cgroup(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE_MESSAGE(cgroup, "open " << dir.string());
  bpf_attr query{};
  query.query.target_fd = static_cast<uint32_t>(cgroup.get());
  query.query.attach_type = BPF_CGROUP_DEVICE;
  REQUIRE_MESSAGE(::syscall(SYS_bpf, BPF_PROG_QUERY, &query, sizeof query) == 0,
                  "BPF_PROG_QUERY " << dir.string() << ": " << std::strerror(errno));
  return query.query.prog_cnt;
}

}  // namespace

TEST_CASE("outside any device cgroup the probes reach the host's disk (baseline)") {
  require_root();
  DeviceOutcome outcome = probe_devices({});
  CHECK(outcome.null_error == 0);
  CHECK(outcome.mknod_error == 0);
  CHECK(outcome.node_error == 0);
  CHECK(outcome.disk_error == 0);
}

TEST_CASE("the v2 BPF_CGROUP_DEVICE program alone confines a process of its cgroup") {
  require_root();
  auto host = detected_host();
  REQUIRE_MESSAGE(host.unified() != nullptr, "this host has no cgroup2 mount to attach to");
  BareCgroup cgroup(host.unified()->mount);
  auto attached = cgroup::v2_driver().restrict_devices(
      {cgroup::CgroupVersion::v2, {}, cgroup.dir().string()}, cgroup::default_device_rules());
  REQUIRE_MESSAGE(attached.ok(), attached.error().to_string());
  CHECK(*attached);
  check_confined(probe_devices({cgroup.dir() / "cgroup.procs"}));
}

TEST_CASE("the v1 devices controller alone confines a process of its cgroup") {
  require_root();
  auto host = detected_host();
  const cgroup::Hierarchy* devices = host.driver_of(cgroup::Controller::devices);
  if (host.mode() == cgroup::HostLayout::Mode::unified) {
    // Pure v2 hosts (CI's QEMU kernels) have no v1 controller to test: the BPF test covers them.
    CHECK(devices == nullptr);
    return;
  }
  REQUIRE_MESSAGE(devices != nullptr, "a v1 host without the devices controller");
  BareCgroup cgroup(devices->mount);
  auto written = cgroup::v1_driver().restrict_devices(
      {cgroup::CgroupVersion::v1, {cgroup::Controller::devices}, cgroup.dir().string()},
      cgroup::default_device_rules());
  REQUIRE_MESSAGE(written.ok(), written.error().to_string());
  CHECK(*written);
  CHECK(read_file(cgroup.dir() / "devices.list").find("b *:* m") != std::string::npos);
  check_confined(probe_devices({cgroup.dir() / "cgroup.procs"}));
}

TEST_CASE(
    "a container's cgroup gets the allow-list from v1's devices controller, else the BPF program") {
  require_root();
  TestProject project("devices");
  auto cgroup = project.create("box");
  std::vector<fs::path> procs;
  for (const auto& file : cgroup.procs_files())
    procs.push_back(file);
  check_confined(probe_devices(procs));
  // On a hybrid host the program would repeat v1's rules: it is left out, as runc leaves it.
  const cgroup::Hierarchy* unified = project.host().unified();
  if (unified == nullptr) return;  // v1 only: the controller is all there is
  const cgroup::Hierarchy* devices = project.host().driver_of(cgroup::Controller::devices);
  const bool v1_devices = devices != nullptr && devices->version == cgroup::CgroupVersion::v1;
  CHECK(device_programs_attached(unified->mount / cgroup.relative_path()) == (v1_devices ? 0 : 1));
}

}  // namespace srcompose::test
