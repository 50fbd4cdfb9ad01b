// SPDX-License-Identifier: GPL-2.0-or-later
// cgroup v2 driver: one unified hierarchy, controllers enabled top-down through
// cgroup.subtree_control.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "cgroup/driver.hpp"
#include "cgroup/files.hpp"
#include "common/unique_fd.hpp"

namespace srcompose::cgroup::v2 {

namespace {

bool drives(const std::vector<Controller>& controllers, Controller controller) {
  return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

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

Status write_memory(const std::filesystem::path& dir, const spec::Limits& limits) {
  if (limits.memory) {
    if (auto s = write_value(dir / "memory.max", std::to_string(*limits.memory)); !s) return s;
  }
  if (limits.memory_swap) {
    // v2 limits swap alone; the lab file gives memory + swap, as docker's --memory-swap.
    uint64_t memory = limits.memory.value_or(0);
    uint64_t swap = *limits.memory_swap > memory ? *limits.memory_swap - memory : 0;
    auto s = write_value(dir / "memory.swap.max", std::to_string(swap));
    // memory.swap.max is missing without swap accounting: only an error when swap was asked for.
    if (!s && !(s.error().error_number() == ENOENT && swap == 0)) return s;
  }
  return {};
}

Status write_cpu(const std::filesystem::path& dir, const spec::Limits& limits) {
  if (limits.cpu_weight) {
    if (auto s = write_value(dir / "cpu.weight", std::to_string(*limits.cpu_weight)); !s) return s;
  }
  if (limits.cpus) {
    auto value =
        std::to_string(cpus_to_quota_usec(*limits.cpus)) + " " + std::to_string(kCfsPeriodUsec);
    if (auto s = write_value(dir / "cpu.max", value); !s) return s;
  }
  return {};
}

}  // namespace

Status prepare_ancestors(const std::filesystem::path& mount, std::string_view project_path,
                         const std::vector<Controller>& controllers) {
  std::filesystem::path dir = mount;
  if (auto s = enable_controllers(dir, controllers); !s) return s;
  for (const auto& component : std::filesystem::path(project_path)) {
    dir /= component;
    if (auto s = make_directory(dir); !s) return s;
    if (auto s = enable_controllers(dir, controllers); !s) return s;
  }
  return {};
}

Status write_limits(const std::filesystem::path& dir, const std::vector<Controller>& controllers,
                    const ResolvedLimits& resolved) {
  const spec::Limits& limits = resolved.limits;
  for (auto controller : controllers) {
    Status status;
    switch (controller) {
      case Controller::memory:
        status = write_memory(dir, limits);
        break;
      case Controller::cpu:
        status = write_cpu(dir, limits);
        break;
      case Controller::cpuset:
        if (limits.cpuset) status = write_value(dir / "cpuset.cpus", *limits.cpuset);
        if (status && limits.cpuset_mems) {
          status = write_value(dir / "cpuset.mems", *limits.cpuset_mems);
        }
        break;
      case Controller::pids:
        if (limits.pids) status = write_value(dir / "pids.max", std::to_string(*limits.pids));
        break;
      case Controller::io:
        // One device per write: io.max takes a line per device.
        for (const auto& throttle : resolved.io) {
          status = write_value(dir / "io.max", format_io_max(throttle));
          if (!status) break;
        }
        break;
      case Controller::cpuacct:
      case Controller::freezer:
      case Controller::devices:  // write_device_rules / attach_device_program
        break;
    }
    if (!status) return status;
  }
  return {};
}

Status set_frozen(const std::filesystem::path& dir, bool frozen) {
  if (auto s = write_value(dir / "cgroup.freeze", frozen ? "1" : "0"); !s) return s;
  // The freeze completes asynchronously; cgroup.events reports it. 200 x 5 ms.
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto events = read_value(dir / "cgroup.events");
    if (!events) return std::move(events).error();
    auto values = parse_flat_keyed(*events);
    auto found = values.find("frozen");
    if (found != values.end() && (found->second == 1) == frozen) return {};
    sleep_milliseconds(5);
  }
  return Error::from_errno(
      "wait for " + (dir / "cgroup.events").string() + " frozen " + (frozen ? "1" : "0"),
      ETIMEDOUT);
}

Result<bool> populated(const std::filesystem::path& dir) {
  auto events = read_value(dir / "cgroup.events");
  if (!events) return std::move(events).error();
  return parse_flat_keyed(*events)["populated"] != 0;
}

Status kill(const std::filesystem::path& dir) {
  return write_value(dir / "cgroup.kill", "1");
}

Status wait_until_unpopulated(const std::filesystem::path& dir,
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
    if (values["populated"] == 0) return {};
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    pollfd watched{fd.get(), POLLPRI, 0};
    if (::poll(&watched, 1, static_cast<int>(left.count())) < 0 && errno != EINTR)
      return Error::last_errno("poll " + file.string());
  }
}

}  // namespace srcompose::cgroup::v2
