// SPDX-License-Identifier: GPL-2.0-or-later
#include "cgroup/placements.hpp"

#include <signal.h>

#include <cerrno>
#include <string>

#include "cgroup/driver.hpp"
#include "cgroup/files.hpp"

namespace srcompose::cgroup {

namespace {

using Clock = std::chrono::steady_clock;

// Every placement holds the same processes (attach() writes each into all of them): ask the one
// whose kernel keeps a populated flag for the subtree (the unified hierarchy, also on hybrid
// hosts), else any.
const Placement* population_placement(const std::vector<Placement>& placements) {
  for (const auto& placement : placements) {
    if (driver_for(placement).tracks_population()) return &placement;
  }
  return placements.empty() ? nullptr : &placements.front();
}

// Without a kernel that kills a subtree in one step: freeze (so that no pid exits and is reused
// between being read and being killed, and no fork escapes), kill every listed pid, thaw. A freeze
// that times out (a task stuck in the kernel) does not stop the kill; without a freezer a fork may
// escape, which remove_cgroup's next round catches.
Status kill_listed(const std::vector<Placement>& placements) {
  const Placement* freezer = placement_of(placements, Controller::freezer);
  if (freezer) (void)driver_for(*freezer).set_frozen(freezer->dir, true);
  Status status;
  for (const auto& placement : placements) {
    auto pids = list_procs_recursive(placement.dir);
    if (!pids) {
      status = std::move(pids).error();
      continue;
    }
    for (pid_t pid : *pids) {
      if (::kill(pid, SIGKILL) < 0 && errno != ESRCH)
        status = Error::last_errno("kill(" + std::to_string(pid) + ", SIGKILL)");
    }
  }
  // Frozen tasks act on the pending SIGKILL once thawed. Thaw even if the freeze timed out.
  if (freezer) {
    auto thawed = driver_for(*freezer).set_frozen(freezer->dir, false);
    if (!thawed && status.ok()) status = std::move(thawed);
  }
  return status;
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

}  // namespace

const Placement* placement_of(const std::vector<Placement>& placements, Controller controller) {
  for (const auto& placement : placements) {
    if (drives(placement.controllers, controller)) return &placement;
  }
  return nullptr;
}

Result<bool> cgroup_empty(const std::vector<Placement>& placements) {
  const Placement* asked = population_placement(placements);
  if (!asked) return true;
  auto populated = driver_for(*asked).populated(asked->dir);
  if (!populated) return std::move(populated).error();
  return !*populated;
}

Status kill_processes(const std::vector<Placement>& placements) {
  for (const auto& placement : placements) {
    auto killed = driver_for(placement).kill_subtree(placement.dir);
    if (!killed) return std::move(killed).error();
    if (!*killed) continue;
    // A paused container's tasks must be able to act on the SIGKILL.
    if (const Placement* freezer = placement_of(placements, Controller::freezer))
      return driver_for(*freezer).let_frozen_die(freezer->dir);
    return {};
  }
  return kill_listed(placements);
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
    const Placement* watched = population_placement(placements);
    if (auto waited = driver_for(*watched).wait_until_empty(watched->dir, deadline); !waited)
      return std::move(waited).error().context(context());
  }
  for (const auto& placement : placements) {
    if (auto removed = remove_tree_retrying(placement.dir); !removed)
      return std::move(removed).error().context(context());
  }
  return {};
}

}  // namespace srcompose::cgroup
