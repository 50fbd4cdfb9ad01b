// SPDX-License-Identifier: GPL-2.0-or-later
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "cgroup/cgroup.hpp"
#include "cgroup/driver.hpp"
#include "cgroup/files.hpp"
#include "cgroup/placements.hpp"

namespace srcompose::cgroup {

namespace {

// v1 reports "no limit" as PAGE_COUNTER_MAX pages in bytes (9223372036854771712 on x86-64).
constexpr uint64_t kV1Unlimited = uint64_t{1} << 62;

// Creates the container's own directory. A leftover empty one (a crashed run) is removed first so
// that no limit of an earlier configuration survives; rmdir refuses a populated one (EBUSY).
Status make_container_directory(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return {};
  if (errno != EEXIST) return Error::last_errno("mkdir " + dir.string());
  if (::rmdir(dir.c_str()) < 0) {
    return Error::last_errno("rmdir leftover cgroup " + dir.string())
        .context("cgroup already exists and is in use (`srcompose down` removes a crashed run's)");
  }
  if (::mkdir(dir.c_str(), 0755) < 0) return Error::last_errno("mkdir " + dir.string());
  return {};
}

uint64_t value_or_zero(const Result<std::optional<uint64_t>>& value) {
  return value.ok() && value->has_value() ? **value : 0;
}

// A file missing on older kernels (memory.peak < 5.19, pids.peak < 6.x) reads as 0; other
// failures are errors.
Result<uint64_t> read_optional_counter(const std::filesystem::path& file) {
  auto value = read_number(file);
  if (!value) {
    if (value.error().error_number() == ENOENT) return uint64_t{0};
    return std::move(value).error();
  }
  return value->value_or(0);
}

Result<uint64_t> read_counter(const std::filesystem::path& file) {
  auto value = read_number(file);
  if (!value) return std::move(value).error();
  return value->value_or(0);
}

}  // namespace

void OomWatch::drain() {
  char buffer[4096];
  while (fd_ && ::read(fd_.get(), buffer, sizeof buffer) > 0) {
  }
}

ContainerCgroup::ContainerCgroup(ContainerCgroup&& other) noexcept
    : relative_path_(std::move(other.relative_path_)),
      placements_(std::move(other.placements_)),
      owns_(std::exchange(other.owns_, false)) {}

// Only bad_alloc can escape remove(), and terminating is right then.
// NOLINTNEXTLINE(bugprone-exception-escape)
ContainerCgroup& ContainerCgroup::operator=(ContainerCgroup&& other) noexcept {
  if (this != &other) {
    if (owns_) (void)remove();
    relative_path_ = std::move(other.relative_path_);
    placements_ = std::move(other.placements_);
    owns_ = std::exchange(other.owns_, false);
  }
  return *this;
}

// Only bad_alloc can escape remove(), and terminating is right then.
// NOLINTNEXTLINE(bugprone-exception-escape)
ContainerCgroup::~ContainerCgroup() {
  if (owns_) (void)remove();
}

Result<ContainerCgroup> ContainerCgroup::create(const HostLayout& host,
                                                const plan::CgroupPlan& plan,
                                                const std::filesystem::path& rootfs_device) {
  auto io = resolve_io_throttles(plan.limits, rootfs_device);
  if (!io) return std::move(io).error();
  const ResolvedLimits resolved{plan.limits, std::move(*io)};

  ContainerCgroup cgroup;
  cgroup.relative_path_ = plan.path;
  cgroup.owns_ = true;  // from here on, a failure removes what was made
  for (const auto& hierarchy : host.hierarchies) {
    bool is_v1 = hierarchy.version == CgroupVersion::v1;
    auto dir = hierarchy.mount / plan.path;
    // remove_project of another project may rmdir the shared srcompose/ between our mkdirs
    // (ENOENT): make the path again, a few times.
    Status made;
    for (int attempt = 0; attempt < 3; ++attempt) {
      made = is_v1
                 ? v1::prepare_ancestors(hierarchy.mount, plan.project_path, hierarchy.controllers)
                 : v2::prepare_ancestors(hierarchy.mount, plan.project_path, hierarchy.controllers);
      if (made) made = make_container_directory(dir);
      if (made || made.error().error_number() != ENOENT) break;
    }
    if (!made) return std::move(made).error();
    cgroup.placements_.push_back(Placement{hierarchy.version, hierarchy.controllers, dir});
    auto written = is_v1 ? v1::write_limits(dir, hierarchy.controllers, resolved)
                         : v2::write_limits(dir, hierarchy.controllers, resolved);
    if (!written) return std::move(written).error();
  }
  if (auto devices = cgroup.restrict_devices(); !devices) return std::move(devices).error();
  return Result<ContainerCgroup>(std::move(cgroup));
}

// v1's devices controller where the host mounts it, and a BPF program on the unified hierarchy
// wherever there is one: on hybrid hosts both hold (the kernel checks both), so the v2 filter is
// exercised there too. A host with neither cannot keep a container away from its devices.
Status ContainerCgroup::restrict_devices() const {
  const auto& rules = default_device_rules();
  bool restricted = false;
  if (const Placement* devices = placement_of(placements_, Controller::devices)) {
    if (auto s = v1::write_device_rules(devices->dir, rules); !s) return s;
    restricted = true;
  }
  if (const Placement* unified = unified_placement(placements_)) {
    if (auto s = v2::write_device_rules(unified->dir, rules); !s) return s;
    restricted = true;
  }
  if (!restricted) {
    return Error::message("no device cgroup for " + relative_path_ +
                          ": the host has neither the v1 devices controller nor cgroup2");
  }
  return {};
}

Status ContainerCgroup::attach(pid_t pid) const {
  for (const auto& placement : placements_) {
    if (auto s = write_value(placement.dir / "cgroup.procs", std::to_string(pid)); !s) return s;
  }
  return {};
}

std::vector<std::filesystem::path> ContainerCgroup::procs_files() const {
  std::vector<std::filesystem::path> files;
  for (const auto& placement : placements_)
    files.push_back(placement.dir / "cgroup.procs");
  return files;
}

Status ContainerCgroup::freeze() const {
  const Placement* freezer = placement_of(placements_, Controller::freezer);
  if (!freezer) return Error::message("freeze " + relative_path_ + ": the host has no freezer");
  return freezer->version == CgroupVersion::v1 ? v1::set_frozen(freezer->dir, true)
                                               : v2::set_frozen(freezer->dir, true);
}

Status ContainerCgroup::thaw() const {
  const Placement* freezer = placement_of(placements_, Controller::freezer);
  if (!freezer) return Error::message("thaw " + relative_path_ + ": the host has no freezer");
  return freezer->version == CgroupVersion::v1 ? v1::set_frozen(freezer->dir, false)
                                               : v2::set_frozen(freezer->dir, false);
}

Status ContainerCgroup::kill_all() const {
  return kill_processes(placements_);
}

Result<uint64_t> ContainerCgroup::oom_kill_count() const {
  const Placement* memory = placement_of(placements_, Controller::memory);
  if (!memory) return Error::message("oom count of " + relative_path_ + ": no memory controller");
  auto file =
      memory->dir / (memory->version == CgroupVersion::v1 ? "memory.oom_control" : "memory.events");
  auto text = read_value(file);
  if (!text) return std::move(text).error();
  auto values = parse_flat_keyed(*text);
  auto found = values.find("oom_kill");
  return found == values.end() ? uint64_t{0} : found->second;
}

namespace {

// memory.* into `stats` (the OOM kill count aside).
Status read_memory_stats(CgroupVersion version, const std::filesystem::path& dir, Stats& stats) {
  if (version == CgroupVersion::v1) {
    auto current = read_counter(dir / "memory.usage_in_bytes");
    if (!current) return std::move(current).error();
    stats.memory_current = *current;
    stats.memory_peak = value_or_zero(read_number(dir / "memory.max_usage_in_bytes"));
    uint64_t limit = value_or_zero(read_number(dir / "memory.limit_in_bytes"));
    stats.memory_limit = limit >= kV1Unlimited ? 0 : limit;
    return {};
  }
  auto current = read_counter(dir / "memory.current");
  if (!current) return std::move(current).error();
  stats.memory_current = *current;
  auto peak = read_optional_counter(dir / "memory.peak");
  if (!peak) return std::move(peak).error();
  stats.memory_peak = *peak;
  stats.memory_limit = value_or_zero(read_number(dir / "memory.max"));
  return {};
}

// CPU time, user and system, in microseconds.
Status read_cpu_stats(CgroupVersion version, const std::filesystem::path& dir, Stats& stats) {
  if (version == CgroupVersion::v1) {
    auto user = read_counter(dir / "cpuacct.usage_user");
    auto system = read_counter(dir / "cpuacct.usage_sys");
    if (!user) return std::move(user).error();
    if (!system) return std::move(system).error();
    stats.cpu_user_usec = *user / 1000;  // nanoseconds
    stats.cpu_system_usec = *system / 1000;
    return {};
  }
  auto text = read_value(dir / "cpu.stat");
  if (!text) return std::move(text).error();
  auto values = parse_flat_keyed(*text);
  stats.cpu_user_usec = values["user_usec"];
  stats.cpu_system_usec = values["system_usec"];
  return {};
}

Status read_pids_stats(const std::filesystem::path& dir, Stats& stats) {
  auto current = read_counter(dir / "pids.current");
  if (!current) return std::move(current).error();
  stats.pids_current = *current;
  auto peak = read_optional_counter(dir / "pids.peak");
  if (!peak) return std::move(peak).error();
  stats.pids_peak = *peak;
  if (auto events = read_value(dir / "pids.events"); events) {
    auto values = parse_flat_keyed(*events);
    if (auto found = values.find("max"); found != values.end())
      stats.pids_limit_hits = found->second;
  }
  return {};
}

Status read_io_stats(CgroupVersion version, const std::filesystem::path& dir, Stats& stats) {
  if (version == CgroupVersion::v1) {
    // The throttle layer's counters: the only v1 io statistics with the mq-deadline/none
    // schedulers (the blkio.bfq.* ones count only under bfq).
    auto bytes = read_value(dir / "blkio.throttle.io_service_bytes_recursive");
    auto ops = read_value(dir / "blkio.throttle.io_serviced_recursive");
    if (!bytes) return std::move(bytes).error();
    if (!ops) return std::move(ops).error();
    auto byte_totals = parse_v1_blkio_rwstat(*bytes);
    auto op_totals = parse_v1_blkio_rwstat(*ops);
    stats.io_read_bytes = byte_totals.read;
    stats.io_write_bytes = byte_totals.write;
    stats.io_read_ops = op_totals.read;
    stats.io_write_ops = op_totals.write;
    return {};
  }
  auto text = read_value(dir / "io.stat");
  if (!text) return std::move(text).error();
  auto counters = parse_v2_io_stat(*text);
  stats.io_read_bytes = counters.read_bytes;
  stats.io_write_bytes = counters.write_bytes;
  stats.io_read_ops = counters.read_ops;
  stats.io_write_ops = counters.write_ops;
  return {};
}

}  // namespace

Result<Stats> ContainerCgroup::stats() const {
  Stats stats;
  if (const Placement* memory = placement_of(placements_, Controller::memory)) {
    if (auto read = read_memory_stats(memory->version, memory->dir, stats); !read)
      return read.error();
    auto ooms = oom_kill_count();
    if (!ooms) return std::move(ooms).error();
    stats.oom_kills = *ooms;
  }
  if (const Placement* cpu = placement_of(placements_, Controller::cpuacct)) {
    if (auto read = read_cpu_stats(cpu->version, cpu->dir, stats); !read) return read.error();
  }
  if (const Placement* pids = placement_of(placements_, Controller::pids)) {
    if (auto read = read_pids_stats(pids->dir, stats); !read) return read.error();
  }
  if (const Placement* io = placement_of(placements_, Controller::io)) {
    if (auto read = read_io_stats(io->version, io->dir, stats); !read) return read.error();
  }
  return stats;
}

Result<bool> ContainerCgroup::empty() const {
  return cgroup_empty(placements_);
}

Result<OomWatch> ContainerCgroup::watch_oom() const {
  const Placement* memory = placement_of(placements_, Controller::memory);
  if (!memory) return Error::message("watch oom of " + relative_path_ + ": no memory controller");
  if (memory->version == CgroupVersion::v2) {
    // The kernel calls cgroup_file_notify() on memory.events for every oom/oom_kill event, which
    // inotify reports as IN_MODIFY.
    UniqueFd notify(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!notify) return Error::last_errno("inotify_init1");
    auto events = memory->dir / "memory.events";
    if (::inotify_add_watch(notify.get(), events.c_str(), IN_MODIFY) < 0) {
      return Error::last_errno("inotify_add_watch " + events.string());
    }
    return OomWatch(std::move(notify), UniqueFd());
  }
  // cgroup v1 memory notification API (Documentation/admin-guide/cgroup-v1/memory.rst, 9):
  // write "<eventfd> <fd of memory.oom_control>" to cgroup.event_control.
  UniqueFd notify(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!notify) return Error::last_errno("eventfd");
  auto control_path = memory->dir / "memory.oom_control";
  UniqueFd control(::open(control_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!control) return Error::last_errno("open " + control_path.string());
  auto registration = std::to_string(notify.get()) + " " + std::to_string(control.get());
  if (auto s = write_value(memory->dir / "cgroup.event_control", registration); !s) {
    return std::move(s).error();
  }
  return OomWatch(std::move(notify), std::move(control));
}

Status ContainerCgroup::remove() {
  if (auto removed = remove_cgroup(placements_, relative_path_); !removed) return removed;
  placements_.clear();
  owns_ = false;
  return {};
}

}  // namespace srcompose::cgroup
