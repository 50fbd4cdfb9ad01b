#include "supervisor/cleanup.hpp"

#include <optional>

#include "cgroup/cgroup.hpp"
#include "net/network.hpp"
#include "rootfs/prepare.hpp"

namespace srcompose::supervisor {

Status clean_up_project(const std::string& project, const std::filesystem::path& storage_dir) {
  std::optional<Error> first_error;
  auto keep = [&](Status status, const char* step) {
    if (!status && !first_error) first_error = std::move(status).error().context(step);
  };
  // Processes first (through their cgroups), so nothing recreates what the next steps remove.
  if (auto layout = cgroup::detect_host(); layout) {
    keep(cgroup::remove_project(*layout, project), "cgroups");
  } else {
    keep(std::move(layout).error(), "detect cgroups");
  }
  keep(net::cleanup_project(project), "network");
  keep(rootfs::remove_project_layers(storage_dir, project, /*keep_persistent=*/true),
       "writable layers");
  if (first_error) return std::move(*first_error).context("clean up project " + project);
  return {};
}

}  // namespace srcompose::supervisor
