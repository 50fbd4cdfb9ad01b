// SPDX-License-Identifier: GPL-2.0-or-later
// cgroup v2 driver: one unified hierarchy, controllers enabled top-down through
// cgroup.subtree_control.
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <string>

#include "cgroup/driver.hpp"
#include "cgroup/files.hpp"
#include "common/unique_fd.hpp"

namespace srcompose::cgroup {

namespace {

// Enables in `dir`'s children every wanted controller not already enabled, in one write (cpuset
// first, as in the kernel documentation's examples).
Status enable_controllers(const std::filesystem::path& dir,
                          const std::vector<Controller>& controllers) {
  std::vector<std::string_view> wanted;
  for (auto controller : {Controller::cpuset, Controller::cpu, Controller::io, Controller::memory,
                          Controller::pids}) {
    if (drives(controllers, controller)) wanted.push_back(v2_name(controller));
  }
  if (wanted.empty()) return {};  // a hybrid host's empty unified hierarchy
  auto enabled_text = read_value(dir / "cgroup.subtree_control");
  if (!enabled_text) return std::move(enabled_text).error();
  std::string request;
  for (auto name : wanted) {
    // cgroup.subtree_control is a space-separated list of names ("cpu io memory\n").
    bool already = false;
    size_t start = 0;
    const std::string& text = *enabled_text;
    while (start < text.size()) {
      size_t end = text.find_first_of(" \n", start);
      if (end == std::string::npos) end = text.size();
      if (std::string_view(text).substr(start, end - start) == name) already = true;
      start = end + 1;
    }
    if (already) continue;
    if (!request.empty()) request += ' ';
    request += "+";
    request += name;
  }
  if (request.empty()) return {};
  return write_value(dir / "cgroup.subtree_control", request);
}

// Waits until `key` in <dir>/cgroup.events reads `wanted`: true once it does, false at `deadline`.
// poll(2) for POLLPRI on the file, which the kernel signals on every change of it (cgroup-v2.rst,
// "cgroup.events"), never a sleep loop.
Result<bool> wait_for_event(const std::filesystem::path& dir, std::string_view key, uint64_t wanted,
                            std::chrono::steady_clock::time_point deadline) {
  const auto file = dir / "cgroup.events";
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::last_errno("open " + file.string());
  for (;;) {
    // Each read from the start re-arms the notification (kernfs compares event counts per open
    // file), so a change between this read and the poll still wakes the poll.
    char buffer[256];
    ssize_t length = ::pread(fd.get(), buffer, sizeof buffer, 0);
    if (length < 0) return Error::last_errno("read " + file.string());
    auto values = parse_flat_keyed(std::string_view(buffer, static_cast<size_t>(length)));
    auto found = values.find(key);
    if ((found == values.end() ? 0 : found->second) == wanted) return true;
    int left = milliseconds_until(deadline);
    if (left <= 0) return false;
    pollfd watched{fd.get(), POLLPRI, 0};
    if (::poll(&watched, 1, left) < 0 && errno != EINTR)
      return Error::last_errno("poll " + file.string());
  }
}

class V2Driver final : public Driver {
 public:
  Status prepare_ancestors(const std::filesystem::path& mount, std::string_view project_path,
                           const std::vector<Controller>& controllers) const override {
    std::filesystem::path dir = mount;
    if (auto s = enable_controllers(dir, controllers); !s) return s;
    for (const auto& component : std::filesystem::path(project_path)) {
      dir /= component;
      if (auto s = make_directory(dir); !s) return s;
      if (auto s = enable_controllers(dir, controllers); !s) return s;
    }
    return {};
  }

  // v2 has no devices controller: a BPF_CGROUP_DEVICE program on the directory does its job.
  Result<bool> restrict_devices(const Placement& placement,
                                const std::vector<DeviceRule>& rules) const override {
    if (auto s = attach_device_program(placement.dir, rules); !s) return std::move(s).error();
    return true;
  }

  Status set_frozen(const std::filesystem::path& dir, bool frozen) const override {
    if (auto s = write_value(dir / "cgroup.freeze", frozen ? "1" : "0"); !s) return s;
    // The freeze completes asynchronously; cgroup.events reports it (and notifies). At most 1 s.
    const uint64_t wanted = frozen ? 1 : 0;
    auto reached = wait_for_event(dir, "frozen", wanted,
                                  std::chrono::steady_clock::now() + std::chrono::seconds(1));
    if (!reached) return std::move(reached).error();
    if (*reached) return {};
    return Error::from_errno(
        "wait for " + (dir / "cgroup.events").string() + " frozen " + std::to_string(wanted),
        ETIMEDOUT);
  }

  Status let_frozen_die(const std::filesystem::path&) const override { return {}; }

  Result<bool> kill_subtree(const std::filesystem::path& dir) const override {
    auto killed = write_value(dir / "cgroup.kill", "1");
    if (killed) return true;
    if (killed.error().error_number() == ENOENT) return false;  // before Linux 5.14
    return std::move(killed).error();
  }

  bool tracks_population() const override { return true; }

  Result<bool> populated(const std::filesystem::path& dir) const override {
    auto value = read_key(dir / "cgroup.events", "populated");
    if (!value) return std::move(value).error();
    return *value != 0;
  }

  Status wait_until_empty(const std::filesystem::path& dir, Deadline deadline) const override {
    auto empty = wait_for_event(dir, "populated", 0, deadline);
    if (!empty) return std::move(empty).error();
    return {};
  }

  Status read_memory(const std::filesystem::path& dir, Stats& stats) const override {
    auto current = read_counter(dir / "memory.current");
    if (!current) return std::move(current).error();
    stats.memory_current = *current;
    auto peak = read_optional_counter(dir / "memory.peak");
    if (!peak) return std::move(peak).error();
    stats.memory_peak = *peak;
    stats.memory_limit = value_or_zero(read_number(dir / "memory.max"));
    return {};
  }

  Status read_cpu(const std::filesystem::path& dir, Stats& stats) const override {
    auto text = read_value(dir / "cpu.stat");
    if (!text) return std::move(text).error();
    auto values = parse_flat_keyed(*text);
    stats.cpu_user_usec = values["user_usec"];
    stats.cpu_system_usec = values["system_usec"];
    return {};
  }

  Result<IoCounters> read_io(const std::filesystem::path& dir) const override {
    auto text = read_value(dir / "io.stat");
    if (!text) return std::move(text).error();
    return parse_v2_io_stat(*text);
  }

  Result<uint64_t> oom_kill_count(const std::filesystem::path& dir) const override {
    return read_key(dir / "memory.events", "oom_kill");
  }

  Result<OomWatch> watch_oom(const std::filesystem::path& dir) const override {
    // The kernel calls cgroup_file_notify() on memory.events for every oom/oom_kill event, which
    // inotify reports as IN_MODIFY.
    UniqueFd notify(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!notify) return Error::last_errno("inotify_init1");
    auto events = dir / "memory.events";
    if (::inotify_add_watch(notify.get(), events.c_str(), IN_MODIFY) < 0) {
      return Error::last_errno("inotify_add_watch " + events.string());
    }
    return OomWatch(std::move(notify), UniqueFd());
  }

 protected:
  Status write_memory(const std::filesystem::path& dir, const spec::Limits& limits) const override {
    if (limits.memory) {
      if (auto s = write_value(dir / "memory.max", std::to_string(*limits.memory)); !s) return s;
    }
    if (limits.memory_swap) {
      // v2 limits swap alone; the lab file gives memory + swap, as docker's --memory-swap.
      uint64_t memory = limits.memory.value_or(0);
      uint64_t swap = *limits.memory_swap > memory ? *limits.memory_swap - memory : 0;
      auto s = write_value(dir / "memory.swap.max", std::to_string(swap));
      // memory.swap.max is missing without swap accounting: only an error when swap was asked.
      if (!s && !(s.error().error_number() == ENOENT && swap == 0)) return s;
    }
    return {};
  }

  Status write_cpu(const std::filesystem::path& dir, const spec::Limits& limits) const override {
    if (limits.cpu_weight) {
      auto weight = std::to_string(*limits.cpu_weight);
      if (auto s = write_value(dir / "cpu.weight", weight); !s) return s;
    }
    if (limits.cpus) {
      auto value =
          std::to_string(cpus_to_quota_usec(*limits.cpus)) + " " + std::to_string(kCfsPeriodUsec);
      if (auto s = write_value(dir / "cpu.max", value); !s) return s;
    }
    return {};
  }

  // Unset values are inherited from the parent (v2 cpusets are never empty).
  Status write_cpuset(const std::filesystem::path& dir, const spec::Limits& limits) const override {
    if (limits.cpuset) {
      if (auto s = write_value(dir / "cpuset.cpus", *limits.cpuset); !s) return s;
    }
    if (limits.cpuset_mems) return write_value(dir / "cpuset.mems", *limits.cpuset_mems);
    return {};
  }

  // One device per write: io.max takes a line per device.
  Status write_io(const std::filesystem::path& dir,
                  const std::vector<IoThrottle>& throttles) const override {
    for (const auto& throttle : throttles) {
      if (auto s = write_value(dir / "io.max", format_io_max(throttle)); !s) return s;
    }
    return {};
  }
};

}  // namespace

const Driver& v2_driver() {
  static const V2Driver driver;
  return driver;
}

}  // namespace srcompose::cgroup
