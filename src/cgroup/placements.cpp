// SPDX-License-Identifier: GPL-2.0-or-later
#include "cgroup/placements.hpp"

#include <algorithm>
#include <cerrno>
#include <string>

#include "cgroup/driver.hpp"
#include "cgroup/files.hpp"

namespace srcompose::cgroup {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::filesystem::path> directories_of(const std::vector<Placement>& placements) {
  std::vector<std::filesystem::path> dirs;
  dirs.reserve(placements.size());
  for (const auto& placement : placements)
    dirs.push_back(placement.dir);
  return dirs;
}

// Blocks until every process of the cgroup is gone or `deadline` passes (then returns, and the
// caller's next emptiness check decides).
Status wait_for_exit(const std::vector<Placement>& placements, Clock::time_point deadline) {
  if (const Placement* unified = unified_placement(placements))
    return v2::wait_until_unpopulated(unified->dir, deadline);
  return v1::wait_for_exit(directories_of(placements), deadline);
}

// An emptied cgroup can stay busy for a moment while the kernel finishes its tasks' exits:
// retried on EBUSY (20 x 10 ms; there is no notification for it).
Status remove_tree_retrying(const std::filesystem::path& dir) {
  Status status = remove_tree(dir);
  for (int attempt = 0; !status && status.error().error_number() == EBUSY && attempt < 20;
       ++attempt) {
    sleep_milliseconds(10);
    status = remove_tree(dir);
  }
  return status;
}

Status thaw_if_frozen(const std::filesystem::path& v1_freezer_dir) {
  auto state = read_trimmed(v1_freezer_dir / "freezer.state");
  if (!state) return std::move(state).error();
  if (*state == "THAWED") return {};
  return write_value(v1_freezer_dir / "freezer.state", "THAWED");
}

}  // namespace

const Placement* placement_of(const std::vector<Placement>& placements, Controller controller) {
  for (const auto& placement : placements) {
    if (std::find(placement.controllers.begin(), placement.controllers.end(), controller) !=
        placement.controllers.end()) {
      return &placement;
    }
  }
  return nullptr;
}

const Placement* unified_placement(const std::vector<Placement>& placements) {
  for (const auto& placement : placements) {
    if (placement.version == CgroupVersion::v2) return &placement;
  }
  return nullptr;
}

Result<bool> cgroup_empty(const std::vector<Placement>& placements) {
  if (const Placement* unified = unified_placement(placements)) {
    auto populated = v2::populated(unified->dir);
    if (!populated) return std::move(populated).error();
    return !*populated;
  }
  for (const auto& placement : placements) {
    auto pids = list_procs_recursive(placement.dir);
    if (!pids) return std::move(pids).error();
    if (!pids->empty()) return false;
  }
  return true;
}

Status kill_processes(const std::vector<Placement>& placements) {
  const Placement* freezer = placement_of(placements, Controller::freezer);
  const std::filesystem::path* v1_freezer =
      freezer && freezer->version == CgroupVersion::v1 ? &freezer->dir : nullptr;
  if (const Placement* unified = unified_placement(placements)) {
    auto killed = v2::kill(unified->dir);
    // cgroup.kill exists since Linux 5.14; older kernels take the v1 way below.
    if (killed || killed.error().error_number() != ENOENT) {
      // A task frozen by the v1 freezer (a paused container) acts on its SIGKILL only once thawed.
      if (killed && v1_freezer) return thaw_if_frozen(*v1_freezer);
      return killed;
    }
  }
  return v1::kill_all(directories_of(placements), v1_freezer);
}

Status remove_cgroup(const std::vector<Placement>& placements, std::string_view name) {
  auto context = [&] { return "remove cgroup " + std::string(name); };
  const auto deadline = Clock::now() + kEmptyTimeout;
  for (;;) {
    auto empty = cgroup_empty(placements);
    if (!empty) return std::move(empty).error().context(context());
    if (*empty) break;
    if (Clock::now() >= deadline) {
      return Error::from_errno("wait until " + std::string(name) + " is empty", ETIMEDOUT)
          .context(context());
    }
    if (auto killed = kill_processes(placements); !killed)
      return std::move(killed).error().context(context());
    if (auto waited = wait_for_exit(placements, deadline); !waited)
      return std::move(waited).error().context(context());
  }
  for (const auto& placement : placements) {
    if (auto removed = remove_tree_retrying(placement.dir); !removed)
      return std::move(removed).error().context(context());
  }
  return {};
}

}  // namespace srcompose::cgroup
