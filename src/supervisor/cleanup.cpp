// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/cleanup.hpp"

#include <unistd.h>

#include <optional>

#include "cgroup/cgroup.hpp"
#include "net/network.hpp"
#include "rootfs/image.hpp"
#include "rootfs/prepare.hpp"
#include "spec/load.hpp"

namespace srcompose::supervisor {

json::object initial_state(const plan::LabPlan& plan) {
  json::array bridges;
  for (const auto& bridge : plan.networks.bridges)
    bridges.emplace_back(bridge.bridge);
  return json::object{{"project", plan.project},
                      {"supervisor_pid", ::getpid()},
                      {"lab_file", plan.lab_file.string()},
                      {"storage_dir", plan.storage_dir.string()},
                      {"bridges", std::move(bridges)},
                      {"containers", json::array{}}};
}

CleanupTargets cleanup_targets_from_state(const std::string& project, const json::object* state,
                                          const std::filesystem::path& fallback_storage) {
  CleanupTargets targets{project, fallback_storage, {}};
  if (!state) return targets;
  if (auto storage = state->if_contains("storage_dir"); storage && storage->is_string())
    targets.storage_dir = std::string(storage->as_string());
  if (auto bridges = state->if_contains("bridges"); bridges && bridges->is_array()) {
    for (const auto& bridge : bridges->as_array()) {
      if (bridge.is_string()) targets.bridges.emplace_back(bridge.as_string());
    }
  }
  return targets;
}

Status clean_up_project(const CleanupTargets& targets) {
  const std::string& project = targets.project;
  const std::filesystem::path& storage_dir = targets.storage_dir;
  // The name is joined into cgroup paths, storage paths and nftables names: ".." must never get
  // that far, whoever the caller is.
  if (!spec::is_project_name(project))
    return Error::message("clean up project \"" + project + "\": " + spec::project_name_rule());
  FirstError errors;
  // Processes first (through their cgroups), so nothing recreates what the next steps remove.
  if (auto layout = cgroup::detect_host(); layout) {
    errors.keep(cgroup::remove_project(*layout, project), "cgroups");
  } else {
    errors.keep(std::move(layout).error(), "detect cgroups");
  }
  errors.keep(net::cleanup_project(project, targets.bridges), "network");
  errors.keep(rootfs::remove_project_layers(storage_dir, project, targets.keep_persistent),
              "writable layers");
  errors.keep(rootfs::remove_stale_builds(storage_dir / "images"), "image cache");
  return std::move(errors).status("clean up project " + project);
}

}  // namespace srcompose::supervisor
