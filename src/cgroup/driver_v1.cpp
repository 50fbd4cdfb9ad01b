// SPDX-License-Identifier: GPL-2.0-or-later
// cgroup v1 driver: one directory per mounted controller hierarchy.
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <string>

#include "cgroup/driver.hpp"
#include "cgroup/files.hpp"
#include "sys/process.hpp"

namespace srcompose::cgroup {

namespace {

// v1 reports "no limit" as PAGE_COUNTER_MAX pages in bytes (9223372036854771712 on x86-64).
constexpr uint64_t kV1Unlimited = uint64_t{1} << 62;

// v1 cpusets start empty, and a task cannot join a cpuset with no CPUs or no memory nodes
// (ENOSPC): copy the parent's unless a value is given.
Status set_cpuset_file(const std::filesystem::path& dir, const char* file,
                       const std::optional<std::string>& value) {
  if (value) return write_value(dir / file, *value);
  auto current = read_trimmed(dir / file);
  if (!current) return std::move(current).error();
  if (!current->empty()) return {};
  auto inherited = read_trimmed(dir.parent_path() / file);
  if (!inherited) return std::move(inherited).error();
  return write_value(dir / file, *inherited);
}

class V1Driver final : public Driver {
 public:
  Status prepare_ancestors(const std::filesystem::path& mount, std::string_view project_path,
                           const std::vector<Controller>& controllers) const override {
    std::filesystem::path dir = mount;
    for (const auto& component : std::filesystem::path(project_path)) {
      dir /= component;
      if (auto s = make_directory(dir); !s) return s;
      if (drives(controllers, Controller::memory)) {
        // Hierarchical accounting is forced on by kernels >= 5.x (the file then accepts only
        // "1"); older kernels need it set before children exist. Best effort: it is deprecated.
        (void)write_value(dir / "memory.use_hierarchy", "1");
      }
      if (drives(controllers, Controller::cpuset)) {
        for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
          if (auto s = set_cpuset_file(dir, file, std::nullopt); !s) return s;
        }
        // Children are born with our CPUs and memory nodes: a container without a cpuset limit
        // needs no copy of its own (set_cpuset_file still makes one where this is not honoured).
        (void)write_value(dir / "cgroup.clone_children", "1");
      }
    }
    return {};
  }

  Result<bool> restrict_devices(const Placement& placement,
                                const std::vector<DeviceRule>& rules) const override {
    if (!drives(placement.controllers, Controller::devices)) return false;
    // A new cgroup inherits its parent's list (the root allows everything): deny all first
    // (allowed while the cgroup has no children), then allow each rule, one per write as the
    // kernel wants.
    if (auto s = write_value(placement.file("devices.deny"), "a"); !s) return std::move(s).error();
    std::vector<std::string> allowed;
    allowed.reserve(rules.size());
    for (const auto& rule : rules)
      allowed.push_back(v1_rule_text(rule));
    if (auto s = write_each(placement.file("devices.allow"), allowed); !s) {
      return std::move(s).error();
    }
    return true;
  }

  Status set_frozen(const std::filesystem::path& dir, bool frozen) const override {
    const char* wanted = frozen ? "FROZEN" : "THAWED";
    if (auto s = write_value(dir / "freezer.state", wanted); !s) return s;
    // Freezing is asynchronous: the state reads FREEZING until every task stopped, and v1 has no
    // notification for it. 200 x 5 ms.
    for (int attempt = 0; attempt < 200; ++attempt) {
      auto state = read_trimmed(dir / "freezer.state");
      if (!state) return std::move(state).error();
      if (*state == wanted) return {};
      if (frozen && *state == "FREEZING" && attempt % 20 == 19) {
        // Re-writing FROZEN retries tasks that were busy (the v1 freezer's documented behaviour).
        (void)write_value(dir / "freezer.state", wanted);
      }
      sleep_milliseconds(5);
    }
    return Error::from_errno("wait for " + (dir / "freezer.state").string() + " = " + wanted,
                             ETIMEDOUT);
  }

  Status let_frozen_die(const std::filesystem::path& dir) const override {
    auto state = read_trimmed(dir / "freezer.state");
    if (!state) return std::move(state).error();
    if (*state == "THAWED") return {};
    return write_value(dir / "freezer.state", "THAWED");
  }

  Result<bool> kill_subtree(const std::filesystem::path&) const override { return false; }

  bool tracks_population() const override { return false; }

  Result<bool> populated(const std::filesystem::path& dir) const override {
    auto pids = list_procs_recursive(dir);
    if (!pids) return std::move(pids).error();
    return !pids->empty();
  }

  Status wait_until_empty(const std::filesystem::path& dir, Deadline deadline) const override {
    // A pid is listed only while its task is in the cgroup (it leaves before it becomes a
    // zombie), and a pidfd turns readable once the process has exited: together they cover the
    // tasks there now. Those started since are the caller's next round.
    auto pids = list_procs_recursive(dir);
    if (!pids) return std::move(pids).error();
    std::vector<UniqueFd> pidfds;
    for (pid_t pid : *pids) {
      if (auto pidfd = sys::open_pidfd(pid); pidfd) pidfds.push_back(std::move(*pidfd));
    }
    std::vector<pollfd> watched;
    watched.reserve(pidfds.size());
    for (const auto& pidfd : pidfds)
      watched.push_back(pollfd{pidfd.get(), POLLIN, 0});
    while (!watched.empty()) {
      int left = milliseconds_until(deadline);
      if (left <= 0) return {};
      if (::poll(watched.data(), watched.size(), left) < 0 && errno != EINTR)
        return Error::last_errno("poll pidfds of " + dir.string());
      std::erase_if(watched, [](const pollfd& entry) { return entry.revents != 0; });
    }
    return {};
  }

  Status read_memory(const std::filesystem::path& dir, Stats& stats) const override {
    auto current = read_counter(dir / "memory.usage_in_bytes");
    if (!current) return std::move(current).error();
    stats.memory_current = *current;
    stats.memory_peak = value_or_zero(read_number(dir / "memory.max_usage_in_bytes"));
    uint64_t limit = value_or_zero(read_number(dir / "memory.limit_in_bytes"));
    stats.memory_limit = limit >= kV1Unlimited ? 0 : limit;
    return {};
  }

  Status read_cpu(const std::filesystem::path& dir, Stats& stats) const override {
    auto user = read_counter(dir / "cpuacct.usage_user");
    auto system = read_counter(dir / "cpuacct.usage_sys");
    if (!user) return std::move(user).error();
    if (!system) return std::move(system).error();
    stats.cpu_user_usec = *user / 1000;  // nanoseconds
    stats.cpu_system_usec = *system / 1000;
    return {};
  }

  Result<IoCounters> read_io(const std::filesystem::path& dir) const override {
    // The throttle layer's counters: the only v1 io statistics with the mq-deadline/none
    // schedulers (the blkio.bfq.* ones count only under bfq).
    auto bytes = read_value(dir / "blkio.throttle.io_service_bytes_recursive");
    auto ops = read_value(dir / "blkio.throttle.io_serviced_recursive");
    if (!bytes) return std::move(bytes).error();
    if (!ops) return std::move(ops).error();
    auto byte_totals = parse_v1_blkio_rwstat(*bytes);
    auto op_totals = parse_v1_blkio_rwstat(*ops);
    return IoCounters{byte_totals.read, byte_totals.write, op_totals.read, op_totals.write};
  }

  Result<uint64_t> oom_kill_count(const std::filesystem::path& dir) const override {
    return read_key(dir / "memory.oom_control", "oom_kill");
  }

  Result<OomWatch> watch_oom(const std::filesystem::path& dir) const override {
    // cgroup v1 memory notification API (Documentation/admin-guide/cgroup-v1/memory.rst, 9):
    // write "<eventfd> <fd of memory.oom_control>" to cgroup.event_control.
    UniqueFd notify(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!notify) return Error::last_errno("eventfd");
    auto control_path = dir / "memory.oom_control";
    UniqueFd control(::open(control_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!control) return Error::last_errno("open " + control_path.string());
    auto registration = std::to_string(notify.get()) + " " + std::to_string(control.get());
    if (auto s = write_value(dir / "cgroup.event_control", registration); !s) {
      return std::move(s).error();
    }
    return OomWatch(std::move(notify), std::move(control));
  }

 protected:
  Status write_memory(const std::filesystem::path& dir, const spec::Limits& limits) const override {
    if (limits.memory) {
      auto s = write_value(dir / "memory.limit_in_bytes", std::to_string(*limits.memory));
      if (!s) return s;
    }
    if (limits.memory_swap) {
      // memsw is memory + swap, and must not be below memory.limit_in_bytes: written after it.
      auto s =
          write_value(dir / "memory.memsw.limit_in_bytes", std::to_string(*limits.memory_swap));
      // Without swap accounting (swapaccount=0, CONFIG_MEMCG_SWAP off) the file is missing or
      // refuses writes. That only matters when some swap was asked to be limited.
      bool accounting_off =
          !s && (s.error().error_number() == ENOENT || s.error().error_number() == EINVAL);
      if (!s && !(accounting_off && limits.memory_swap == limits.memory)) return s;
    }
    return {};
  }

  Status write_cpu(const std::filesystem::path& dir, const spec::Limits& limits) const override {
    if (limits.cpu_weight) {
      auto shares = std::to_string(cpu_weight_to_shares(*limits.cpu_weight));
      if (auto s = write_value(dir / "cpu.shares", shares); !s) return s;
    }
    if (limits.cpus) {
      if (auto s = write_value(dir / "cpu.cfs_period_us", std::to_string(kCfsPeriodUsec)); !s) {
        return s;
      }
      auto quota = std::to_string(cpus_to_quota_usec(*limits.cpus));
      if (auto s = write_value(dir / "cpu.cfs_quota_us", quota); !s) return s;
    }
    return {};
  }

  Status write_cpuset(const std::filesystem::path& dir, const spec::Limits& limits) const override {
    if (auto s = set_cpuset_file(dir, "cpuset.cpus", limits.cpuset); !s) return s;
    return set_cpuset_file(dir, "cpuset.mems", limits.cpuset_mems);
  }

  Status write_io(const std::filesystem::path& dir,
                  const std::vector<IoThrottle>& throttles) const override {
    for (const auto& throttle : throttles) {
      const std::pair<const char*, const std::optional<uint64_t>*> files[] = {
          {"blkio.throttle.read_bps_device", &throttle.read_bps},
          {"blkio.throttle.write_bps_device", &throttle.write_bps},
          {"blkio.throttle.read_iops_device", &throttle.read_iops},
          {"blkio.throttle.write_iops_device", &throttle.write_iops}};
      for (auto [file, value] : files) {
        if (!*value) continue;
        auto line = throttle.device() + " " + std::to_string(**value);
        if (auto s = write_value(dir / file, line); !s) return s;
      }
    }
    return {};
  }
};

}  // namespace

const Driver& v1_driver() {
  static const V1Driver driver;
  return driver;
}

}  // namespace srcompose::cgroup
