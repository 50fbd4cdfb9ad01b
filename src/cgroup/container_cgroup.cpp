// SPDX-License-Identifier: GPL-2.0-or-later
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "cgroup/cgroup.hpp"
#include "cgroup/driver.hpp"
#include "cgroup/files.hpp"
#include "cgroup/placements.hpp"

namespace srcompose::cgroup {

namespace {

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

}  // namespace

void OomWatch::drain() {
  char buffer[4096];
  while (fd_ && ::read(fd_.get(), buffer, sizeof buffer) > 0) {
  }
}

ContainerCgroup::ContainerCgroup(ContainerCgroup&& other) noexcept
    : relative_path_(std::move(other.relative_path_)),
      placements_(std::move(other.placements_)),
      owns_(std::exchange(other.owns_, false)),
      killed_(other.killed_) {}

// Only bad_alloc can escape remove(), and terminating is right then.
// NOLINTNEXTLINE(bugprone-exception-escape)
ContainerCgroup& ContainerCgroup::operator=(ContainerCgroup&& other) noexcept {
  if (this != &other) {
    if (owns_) (void)remove();
    relative_path_ = std::move(other.relative_path_);
    placements_ = std::move(other.placements_);
    owns_ = std::exchange(other.owns_, false);
    killed_ = other.killed_;
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
  cgroup.placements_.reserve(host.hierarchies.size());
  for (const auto& hierarchy : host.hierarchies) {
    const Driver& driver = driver_for(hierarchy.version);
    auto dir = hierarchy.mount / plan.path;
    // The shared srcompose/ stays empty between labs, and any root process may rmdir it, even
    // between our mkdirs (ENOENT): make the path again, a few times. The ancestors are set up for
    // every container, not only when missing: a project directory that a concurrent start of the
    // same lab has just made may not have its v2 subtree_control written yet (its limits' files
    // would be missing).
    Status made;
    for (int attempt = 0; attempt < 3; ++attempt) {
      made = driver.prepare_ancestors(hierarchy.mount, plan.project_path, hierarchy.controllers);
      if (made) made = make_container_directory(dir);
      if (made || made.error().error_number() != ENOENT) break;
    }
    if (!made) return std::move(made).error();
    cgroup.placements_.push_back(Placement{hierarchy.version, hierarchy.controllers, dir.string()});
    auto written = driver.write_limits(dir, hierarchy.controllers, resolved);
    if (!written) return std::move(written).error();
  }
  if (auto devices = cgroup.restrict_devices(); !devices) return std::move(devices).error();
  return Result<ContainerCgroup>(std::move(cgroup));
}

// The allow-list goes where the kernel checks it: v1's devices controller where the host mounts
// it, else a BPF program on the unified hierarchy. On a hybrid host the kernel checks both, and the
// program would only repeat the v1 rules (runc and crun leave it out there too); loading it cost
// every `run` some 0.7 ms of CPU. The program alone is tested on every host
// (tests/priv/cgroup/devices_test.cpp), and containers get it on pure v2 hosts (the QEMU matrix
// runs hostile.bats' device test there). A host with neither cannot keep a container away from
// its devices.
Status ContainerCgroup::restrict_devices() const {
  // Only a v1 hierarchy drives `devices` (cgroup2 has no such controller).
  const Placement* v1_devices = placement_of(placements_, Controller::devices);
  bool restricted = false;
  for (const auto& placement : placements_) {
    if (v1_devices && &placement != v1_devices) continue;
    auto done = driver_for(placement).restrict_devices(placement, default_device_rules());
    if (!done) return std::move(done).error();
    restricted = restricted || *done;
  }
  if (!restricted) {
    return Error::message("no device cgroup for " + relative_path_ +
                          ": the host has neither the v1 devices controller nor cgroup2");
  }
  return {};
}

Status ContainerCgroup::attach(pid_t pid) const {
  for (const auto& placement : placements_) {
    if (auto s = write_value(placement.file("cgroup.procs"), std::to_string(pid)); !s) return s;
  }
  return {};
}

Result<Entry> ContainerCgroup::open_entry() const {
  Entry entry;
  for (const auto& placement : placements_) {
    if (placement.version == CgroupVersion::v1) {
      UniqueFd tasks(::open(placement.file("tasks").c_str(), O_WRONLY | O_CLOEXEC));
      if (!tasks) return Error::last_errno("open " + placement.file("tasks").string());
      entry.tasks.push_back(std::move(tasks));
    } else if (!killed_ && !entry.clone_into) {
      entry.clone_into.reset(::open(placement.dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!entry.clone_into) return Error::last_errno("open " + placement.dir);
    } else {
      entry.by_parent.push_back(placement.file("cgroup.procs"));
    }
  }
  return entry;
}

Status ContainerCgroup::attach_by_parent(pid_t pid, const Entry& entry) {
  for (const auto& file : entry.by_parent) {
    if (auto s = write_value(file, std::to_string(pid)); !s) return s;
  }
  return {};
}

std::vector<std::filesystem::path> ContainerCgroup::procs_files() const {
  std::vector<std::filesystem::path> files;
  for (const auto& placement : placements_)
    files.push_back(placement.file("cgroup.procs"));
  return files;
}

Status ContainerCgroup::freeze() const {
  return set_frozen(true);
}

Status ContainerCgroup::thaw() const {
  return set_frozen(false);
}

Status ContainerCgroup::set_frozen(bool frozen) const {
  const Placement* freezer = placement_of(placements_, Controller::freezer);
  if (!freezer) {
    return Error::message(std::string(frozen ? "freeze " : "thaw ") + relative_path_ +
                          ": the host has no freezer");
  }
  return driver_for(*freezer).set_frozen(freezer->dir, frozen);
}

Status ContainerCgroup::kill_all() {
  killed_ = true;
  return kill_processes(placements_);
}

Result<uint64_t> ContainerCgroup::oom_kill_count() const {
  const Placement* memory = placement_of(placements_, Controller::memory);
  if (!memory) return Error::message("oom count of " + relative_path_ + ": no memory controller");
  return driver_for(*memory).oom_kill_count(memory->dir);
}

namespace {

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

}  // namespace

Result<Stats> ContainerCgroup::stats() const {
  Stats stats;
  if (const Placement* memory = placement_of(placements_, Controller::memory)) {
    if (auto read = driver_for(*memory).read_memory(memory->dir, stats); !read) return read.error();
    auto ooms = oom_kill_count();
    if (!ooms) return std::move(ooms).error();
    stats.oom_kills = *ooms;
  }
  if (const Placement* cpu = placement_of(placements_, Controller::cpuacct)) {
    if (auto read = driver_for(*cpu).read_cpu(cpu->dir, stats); !read) return read.error();
  }
  if (const Placement* pids = placement_of(placements_, Controller::pids)) {
    if (auto read = read_pids_stats(pids->dir, stats); !read) return read.error();
  }
  if (const Placement* io = placement_of(placements_, Controller::io)) {
    auto counters = driver_for(*io).read_io(io->dir);
    if (!counters) return std::move(counters).error();
    stats.io_read_bytes = counters->read_bytes;
    stats.io_write_bytes = counters->write_bytes;
    stats.io_read_ops = counters->read_ops;
    stats.io_write_ops = counters->write_ops;
  }
  return stats;
}

Result<bool> ContainerCgroup::empty() const {
  return cgroup_empty(placements_);
}

Result<OomWatch> ContainerCgroup::watch_oom() const {
  const Placement* memory = placement_of(placements_, Controller::memory);
  if (!memory) return Error::message("watch oom of " + relative_path_ + ": no memory controller");
  return driver_for(*memory).watch_oom(memory->dir);
}

Status ContainerCgroup::remove() {
  if (auto removed = remove_cgroup(placements_, relative_path_); !removed) return removed;
  placements_.clear();
  owns_ = false;
  return {};
}

}  // namespace srcompose::cgroup
