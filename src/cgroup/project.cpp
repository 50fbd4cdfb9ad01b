// SPDX-License-Identifier: GPL-2.0-or-later
// Project-wide operations: crash cleanup of every cgroup of a project, and the check of a plan's
// limits against the host before anything is created.
#include <unistd.h>

#include <algorithm>

#include "cgroup/cgroup.hpp"
#include "cgroup/driver.hpp"
#include "cgroup/files.hpp"
#include "cgroup/placements.hpp"
#include "cgroup/values.hpp"
#include "spec/values.hpp"

namespace srcompose::cgroup {

namespace {

constexpr std::string_view kTopDirectory = "srcompose";

Status check_controller(const HostLayout& host, Controller controller) {
  if (host.has(controller)) return {};
  return Error::message("the host's cgroups have no " + std::string(display_name(controller)) +
                        " controller (layout " + std::string(to_string(host.mode())) + ")");
}

Status check_ids_online(std::string_view value, const std::filesystem::path& online_file,
                        std::string_view what, std::string_view fallback) {
  auto wanted = spec::parse_cpu_list(value);
  if (!wanted) return std::move(wanted).error();
  if (wanted->empty()) return Error::message("empty list");
  auto online_text = read_trimmed(online_file);
  std::string online = online_text ? *online_text : std::string(fallback);
  auto available = spec::parse_cpu_list(online);
  if (!available) return std::move(available).error().context(online_file.string());
  for (unsigned id : *wanted) {
    if (!std::binary_search(available->begin(), available->end(), id)) {
      return Error::message(std::string(what) + " " + std::to_string(id) +
                            " does not exist on this host (online: " + online + ")");
    }
  }
  return {};
}

// A missing controller's error under "limits.<key>".
Status under_key(Status status, const char* key) {
  if (!status) return std::move(status).error().context(std::string("limits.") + key);
  return {};
}

Status check_memory_limits(const HostLayout& host, const spec::Limits& limits) {
  if (limits.memory) {
    if (auto s = under_key(check_controller(host, Controller::memory), "memory"); !s) return s;
  }
  if (!limits.memory_swap) return {};
  if (!limits.memory) {
    return Error::message("needs limits.memory (memory_swap is memory + swap)")
        .context("limits.memory_swap");
  }
  if (*limits.memory_swap < *limits.memory) {
    return Error::message("smaller than limits.memory (memory_swap is memory + swap)")
        .context("limits.memory_swap");
  }
  return {};
}

Status check_cpu_limits(const HostLayout& host, const spec::Limits& limits) {
  if (limits.cpu_weight) {
    if (auto s = under_key(check_controller(host, Controller::cpu), "cpu_weight"); !s) return s;
    if (*limits.cpu_weight < 1 || *limits.cpu_weight > 10'000) {
      return Error::message("must be 1..10000").context("limits.cpu_weight");
    }
  }
  if (limits.cpus) {
    if (auto s = under_key(check_controller(host, Controller::cpu), "cpus"); !s) return s;
    if (!(*limits.cpus >= 0.01)) return Error::message("must be >= 0.01").context("limits.cpus");
  }
  return {};
}

Status check_cpuset_limits(const HostLayout& host, const spec::Limits& limits) {
  if (limits.cpuset) {
    if (auto s = under_key(check_controller(host, Controller::cpuset), "cpuset"); !s) return s;
    auto s = check_ids_online(*limits.cpuset, "/sys/devices/system/cpu/online", "CPU", "0");
    if (!s) return under_key(std::move(s), "cpuset");
  }
  if (limits.cpuset_mems) {
    if (auto s = under_key(check_controller(host, Controller::cpuset), "cpuset_mems"); !s) return s;
    // Without NUMA support there is no node directory: node 0 is the only memory node.
    auto s = check_ids_online(*limits.cpuset_mems, "/sys/devices/system/node/online", "memory node",
                              "0");
    if (!s) return under_key(std::move(s), "cpuset_mems");
  }
  return {};
}

Status check_io_limits(const HostLayout& host, const spec::Limits& limits,
                       const std::filesystem::path& rootfs_device) {
  bool has_io = !limits.io_read_bps.empty() || !limits.io_write_bps.empty() ||
                !limits.io_read_iops.empty() || !limits.io_write_iops.empty();
  if (!has_io) return {};
  if (auto s = under_key(check_controller(host, Controller::io), "io"); !s) return s;
  auto resolved = resolve_io_throttles(limits, rootfs_device);
  if (!resolved) return std::move(resolved).error();
  return {};
}

Status check_plan_limits(const HostLayout& host, const plan::CgroupPlan& plan,
                         const std::filesystem::path& rootfs_device) {
  const spec::Limits& limits = plan.limits;
  if (auto s = check_memory_limits(host, limits); !s) return s;
  if (auto s = check_cpu_limits(host, limits); !s) return s;
  if (auto s = check_cpuset_limits(host, limits); !s) return s;
  if (limits.pids) {
    if (auto s = under_key(check_controller(host, Controller::pids), "pids"); !s) return s;
  }
  return check_io_limits(host, limits, rootfs_device);
}

}  // namespace

Status remove_project(const HostLayout& host, std::string_view project) {
  // The name becomes a path component of a recursive removal: refuse anything that is not one.
  if (project.empty() || project == "." || project == ".." ||
      project.find('/') != std::string_view::npos) {
    return Error::message("remove cgroups: bad project name \"" + std::string(project) + "\"");
  }
  auto relative = std::filesystem::path(kTopDirectory) / project;
  auto context = "remove cgroups of project " + std::string(project);
  std::vector<Placement> placements;
  for (const auto& hierarchy : host.hierarchies) {
    auto dir = hierarchy.mount / relative;
    if (::access(dir.c_str(), F_OK) == 0)
      placements.push_back(Placement{hierarchy.version, hierarchy.controllers, dir.string()});
  }
  // srcompose/ itself stays, empty, for the next lab (as docker's docker/ does): it belongs to no
  // project, and making and removing it in every hierarchy (with v1's cpuset copied into it) cost
  // each `run` ~20 cgroup directory operations, the removals on the path to its exit.
  if (auto removed = remove_cgroup(placements, relative.string()); !removed)
    return std::move(removed).error().context(context);
  return {};
}

Status check_limits(const HostLayout& host, const plan::CgroupPlan& plan,
                    const std::filesystem::path& rootfs_device) {
  auto status = check_plan_limits(host, plan, rootfs_device);
  if (!status) {
    auto container = std::filesystem::path(plan.path).filename().string();
    return std::move(status).error().context("container " + container);
  }
  return {};
}

}  // namespace srcompose::cgroup
