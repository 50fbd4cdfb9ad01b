// SPDX-License-Identifier: GPL-2.0-or-later
// Cleanup of a project whose supervisor is gone (killed, crashed, machine state lost): everything
// is found from names that carry the project, so it works even without the state directory.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "plan/lab_plan.hpp"
#include "spec/lab.hpp"
#include "supervisor/json.hpp"

namespace srcompose::supervisor {

// What a crash cleanup must know beyond the project's name. `up` records it in state.json before
// it makes the first host resource (intent before action), so that `down` never depends on how
// far `up` got.
struct CleanupTargets {
  std::string project;
  std::filesystem::path storage_dir;  // its writable layers and image cache
  std::vector<std::string> bridges;   // the bridge names of the lab's networks
  bool keep_persistent = true;        // false for `down -v`: the persist layers go too
};

// Kills every process in the project's cgroups and removes them, deletes its veths, bridges and
// nftables table, its writable layers (persistent ones kept unless told) and the image builds a
// crash left in the cache. Bridges are found by their alias, and by name among `bridges` when they
// carry no alias yet (a crash between the bridge's creation and its labelling). The state directory
// is the caller's (it holds the lock). Idempotent: on a project that is not up it does nothing and
// succeeds. Errors are collected; every step is tried.
Status clean_up_project(const CleanupTargets& targets);

// The state file's first content, written before the first host resource is made: project,
// supervisor pid, lab file, storage dir, bridge names and no containers yet.
json::object initial_state(const plan::LabPlan& plan);

// The targets recorded in a state file (state.json), with `fallback_storage` when it has none.
CleanupTargets cleanup_targets_from_state(const std::string& project, const json::object* state,
                                          const std::filesystem::path& fallback_storage);

}  // namespace srcompose::supervisor
