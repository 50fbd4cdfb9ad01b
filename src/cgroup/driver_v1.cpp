// SPDX-License-Identifier: GPL-2.0-or-later
// cgroup v1 driver: one directory per mounted controller hierarchy.
#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <string>

#include "cgroup/driver.hpp"
#include "cgroup/files.hpp"
#include "sys/process.hpp"

namespace srcompose::cgroup::v1 {

namespace {

bool drives(const std::vector<Controller>& controllers, Controller controller) {
  return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

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

Status write_memory(const std::filesystem::path& dir, const spec::Limits& limits) {
  if (limits.memory) {
    if (auto s = write_value(dir / "memory.limit_in_bytes", std::to_string(*limits.memory)); !s) {
      return s;
    }
  }
  if (limits.memory_swap) {
    // memsw is memory + swap, and must not be below memory.limit_in_bytes: written after it.
    auto s = write_value(dir / "memory.memsw.limit_in_bytes", std::to_string(*limits.memory_swap));
    // Without swap accounting (swapaccount=0, CONFIG_MEMCG_SWAP off) the file is missing or
    // refuses writes. That only matters when some swap was asked to be limited.
    bool accounting_off =
        !s && (s.error().error_number() == ENOENT || s.error().error_number() == EINVAL);
    if (!s && !(accounting_off && limits.memory_swap == limits.memory)) return s;
  }
  return {};
}

Status write_cpu(const std::filesystem::path& dir, const spec::Limits& limits) {
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

Status write_io(const std::filesystem::path& dir, const std::vector<IoThrottle>& throttles) {
  for (const auto& throttle : throttles) {
    const std::pair<const char*, const std::optional<uint64_t>*> files[] = {
        {"blkio.throttle.read_bps_device", &throttle.read_bps},
        {"blkio.throttle.write_bps_device", &throttle.write_bps},
        {"blkio.throttle.read_iops_device", &throttle.read_iops},
        {"blkio.throttle.write_iops_device", &throttle.write_iops}};
    for (auto [file, value] : files) {
      if (!*value) continue;
      if (auto s = write_value(dir / file, throttle.device() + " " + std::to_string(**value)); !s) {
        return s;
      }
    }
  }
  return {};
}

}  // namespace

Status prepare_ancestors(const std::filesystem::path& mount, std::string_view project_path,
                         const std::vector<Controller>& controllers) {
  std::filesystem::path dir = mount;
  for (const auto& component : std::filesystem::path(project_path)) {
    dir /= component;
    if (auto s = make_directory(dir); !s) return s;
    if (drives(controllers, Controller::memory)) {
      // Hierarchical accounting is forced on by kernels >= 5.x (the file then accepts only "1");
      // older kernels need it set before children exist. Best effort: the file is deprecated.
      (void)write_value(dir / "memory.use_hierarchy", "1");
    }
    if (drives(controllers, Controller::cpuset)) {
      for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
        if (auto s = set_cpuset_file(dir, file, std::nullopt); !s) return s;
      }
    }
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
        status = set_cpuset_file(dir, "cpuset.cpus", limits.cpuset);
        if (status) status = set_cpuset_file(dir, "cpuset.mems", limits.cpuset_mems);
        break;
      case Controller::pids:
        if (limits.pids) status = write_value(dir / "pids.max", std::to_string(*limits.pids));
        break;
      case Controller::io:
        status = write_io(dir, resolved.io);
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

Status write_device_rules(const std::filesystem::path& dir, const std::vector<DeviceRule>& rules) {
  // A new cgroup inherits its parent's list (the root allows everything): deny all first (allowed
  // while the cgroup has no children), then allow each rule, one per write as the kernel wants.
  if (auto s = write_value(dir / "devices.deny", "a"); !s) return s;
  for (const auto& rule : rules) {
    if (auto s = write_value(dir / "devices.allow", v1_rule_text(rule)); !s) return s;
  }
  return {};
}

Status set_frozen(const std::filesystem::path& dir, bool frozen) {
  const char* wanted = frozen ? "FROZEN" : "THAWED";
  if (auto s = write_value(dir / "freezer.state", wanted); !s) return s;
  // Freezing is asynchronous: the state reads FREEZING until every task stopped. 200 x 5 ms.
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

Status kill_all(const std::vector<std::filesystem::path>& dirs,
                const std::filesystem::path* freezer_dir) {
  // A freeze that times out (a task stuck in the kernel) must not stop the kill.
  if (freezer_dir) (void)set_frozen(*freezer_dir, true);
  Status status;
  for (const auto& dir : dirs) {
    auto pids = list_procs_recursive(dir);
    if (!pids) {
      status = std::move(pids).error();
      continue;
    }
    for (pid_t pid : *pids) {
      if (::kill(pid, SIGKILL) < 0 && errno != ESRCH) {
        status = Error::last_errno("kill(" + std::to_string(pid) + ", SIGKILL)");
      }
    }
  }
  // Frozen tasks act on the pending SIGKILL once thawed. Thaw even if the freeze timed out.
  if (freezer_dir) {
    auto thawed = write_value(*freezer_dir / "freezer.state", "THAWED");
    if (!thawed && status.ok()) status = std::move(thawed);
  }
  return status;
}

Status wait_for_exit(const std::vector<std::filesystem::path>& dirs,
                     std::chrono::steady_clock::time_point deadline) {
  // A pid is listed only while its task is in the cgroup (it leaves before it becomes a zombie),
  // and a pidfd turns readable once the process has exited: together they cover the tasks that
  // were there when listed. Those started since are the caller's next round.
  std::vector<UniqueFd> pidfds;
  for (const auto& dir : dirs) {
    auto pids = list_procs_recursive(dir);
    if (!pids) return std::move(pids).error();
    for (pid_t pid : *pids) {
      if (auto pidfd = sys::open_pidfd(pid); pidfd) pidfds.push_back(std::move(*pidfd));
    }
  }
  std::vector<pollfd> watched;
  watched.reserve(pidfds.size());
  for (const auto& pidfd : pidfds)
    watched.push_back(pollfd{pidfd.get(), POLLIN, 0});
  while (!watched.empty()) {
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    int ready = ::poll(watched.data(), watched.size(), static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) return Error::last_errno("poll pidfds");
    std::erase_if(watched, [](const pollfd& entry) { return entry.revents != 0; });
  }
  return {};
}

}  // namespace srcompose::cgroup::v1
