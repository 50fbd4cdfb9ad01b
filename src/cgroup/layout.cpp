// SPDX-License-Identifier: GPL-2.0-or-later
#include "cgroup/layout.hpp"

#include <algorithm>
#include <mutex>
#include <optional>

#include "cgroup/files.hpp"

namespace srcompose::cgroup {

namespace {

struct MountEntry {
  std::string root;         // the cgroup mounted there ("/" unless a bind of a sub-cgroup)
  std::string mount_point;  // unescaped
  std::string fs_type;
  std::string super_options;
};

// mountinfo escapes space, tab, newline and backslash in paths as \ooo (proc(5)).
std::string unescape(std::string_view field) {
  auto is_octal = [&](size_t k) { return k < field.size() && field[k] >= '0' && field[k] <= '7'; };
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && is_octal(i + 1) && is_octal(i + 2) && is_octal(i + 3)) {
      out.push_back(static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                                      (field[i + 3] - '0')));
      i += 3;
      continue;
    }
    out.push_back(field[i]);
  }
  return out;
}

// "36 25 0:32 / /sys/fs/cgroup/memory rw,relatime shared:15 - cgroup cgroup rw,memory"
std::optional<MountEntry> parse_mountinfo_line(std::string_view line) {
  auto fields = split(line, " ");
  auto dash = std::find(fields.begin(), fields.end(), std::string_view("-"));
  if (fields.size() < 6 || dash == fields.end() || fields.end() - dash < 4) return std::nullopt;
  return MountEntry{unescape(fields[3]), unescape(fields[4]), std::string(dash[1]),
                    std::string(dash[3])};
}

std::optional<Controller> controller_named_v1(std::string_view name) {
  for (auto controller : kAllControllers) {
    if (v1_name(controller) == name) return controller;
  }
  return std::nullopt;
}

// The super options that name the hierarchy (its controllers, name=, flags such as xattr), without
// those of the mount (rw/ro) and release_agent, which a mount from a user namespace may not set.
std::string v1_mount_options(std::string_view super_options) {
  std::string options;
  for (auto option : split(super_options, ",")) {
    if (option == "rw" || option == "ro" || option.starts_with("release_agent=")) continue;
    if (!options.empty()) options += ',';
    options += option;
  }
  return options;
}

}  // namespace

bool drives(const std::vector<Controller>& controllers, Controller controller) {
  return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

namespace {

// Each controller's name as a v1 mount option and in cgroup2's files ("": not a cgroup2
// controller; core files do its job there).
struct ControllerNames {
  Controller controller;
  std::string_view v1;
  std::string_view v2;
};
constexpr ControllerNames kControllerNames[] = {
    {Controller::cpu, "cpu", "cpu"},          {Controller::cpuacct, "cpuacct", ""},
    {Controller::cpuset, "cpuset", "cpuset"}, {Controller::memory, "memory", "memory"},
    {Controller::pids, "pids", "pids"},       {Controller::io, "blkio", "io"},
    {Controller::freezer, "freezer", ""},     {Controller::devices, "devices", ""}};

const ControllerNames& names_of(Controller controller) {
  for (const auto& names : kControllerNames) {
    if (names.controller == controller) return names;
  }
  return kControllerNames[0];  // unreachable: every enumerator is in the table
}

}  // namespace

std::string_view v1_name(Controller controller) {
  return names_of(controller).v1;
}

std::string_view v2_name(Controller controller) {
  return names_of(controller).v2;
}

std::string_view display_name(Controller controller) {
  return controller == Controller::io ? "io" : v1_name(controller);
}

std::string_view to_string(HostLayout::Mode mode) {
  switch (mode) {
    case HostLayout::Mode::legacy:
      return "v1";
    case HostLayout::Mode::hybrid:
      return "hybrid";
    case HostLayout::Mode::unified:
      return "v2";
  }
  return "";
}

ContainerCgroupView container_view(const HostLayout& host) {
  ContainerCgroupView view;
  if (host.mode() == HostLayout::Mode::unified) {
    view.mounts.push_back({"", "cgroup2", "", {}});
    return view;
  }
  for (const auto& hierarchy : host.hierarchies) {
    const std::string name = hierarchy.mount.filename().string();
    const bool v1 = hierarchy.version == CgroupVersion::v1;
    view.mounts.push_back({name, v1 ? "cgroup" : "cgroup2", hierarchy.mount_options, {}});
    if (name.find(',') == std::string::npos) continue;
    for (auto part : split(name, ","))
      view.mounts.back().links.emplace_back(part);
  }
  return view;
}

HostLayout::Mode HostLayout::mode() const {
  bool has_v1 = std::any_of(hierarchies.begin(), hierarchies.end(),
                            [](const Hierarchy& h) { return h.version == CgroupVersion::v1; });
  if (!has_v1) return Mode::unified;
  return unified() ? Mode::hybrid : Mode::legacy;
}

const Hierarchy* HostLayout::unified() const {
  for (const auto& hierarchy : hierarchies) {
    if (hierarchy.version == CgroupVersion::v2) return &hierarchy;
  }
  return nullptr;
}

const Hierarchy* HostLayout::driver_of(Controller controller) const {
  for (const auto& hierarchy : hierarchies) {
    if (drives(hierarchy.controllers, controller)) return &hierarchy;
  }
  return nullptr;
}

namespace {

// A cgroup (v1) mount's hierarchy with the controllers its options name that no earlier mount
// drives (a hierarchy mounted twice, by bind mounts, is driven through its first mount only).
Hierarchy v1_hierarchy(const HostLayout& layout, std::string_view mount_point,
                       std::string_view super_options) {
  Hierarchy hierarchy{
      CgroupVersion::v1, std::filesystem::path(mount_point), {}, v1_mount_options(super_options)};
  for (auto option : split(super_options, ",")) {
    auto controller = controller_named_v1(option);
    if (controller && !layout.driver_of(*controller)) hierarchy.controllers.push_back(*controller);
  }
  return hierarchy;
}

// The unified hierarchy's controllers: those its cgroup.controllers lists that no v1 hierarchy
// drives. The kernel lists there only controllers not bound to a v1 hierarchy, so a controller can
// never be driven by both; the check keeps that true for odd inputs.
void add_unified_controllers(const HostLayout& layout, std::string_view unified_controllers,
                             Hierarchy& unified) {
  for (auto name : split(unified_controllers, " ")) {
    while (!name.empty() && name.back() == '\n')
      name.remove_suffix(1);
    for (auto controller : kAllControllers) {
      if (!v2_name(controller).empty() && v2_name(controller) == name &&
          !layout.driver_of(controller)) {
        unified.controllers.push_back(controller);
      }
    }
  }
  // Core files stand in for the v1-only controllers: cpu.stat for cpuacct, cgroup.freeze for
  // the freezer.
  for (auto core : {Controller::cpuacct, Controller::freezer}) {
    if (!layout.driver_of(core)) unified.controllers.push_back(core);
  }
}

}  // namespace

HostLayout layout_from_mountinfo(std::string_view mountinfo, std::string_view unified_controllers) {
  HostLayout layout;
  std::optional<Hierarchy> unified;
  bool unified_is_root = false;
  for (auto line : split(mountinfo, "\n")) {
    auto entry = parse_mountinfo_line(line);
    if (!entry) continue;
    if (entry->fs_type == "cgroup2") {
      // Several cgroup2 mounts show the same hierarchy; prefer one of its root.
      if (!unified || (entry->root == "/" && !unified_is_root)) {
        unified = Hierarchy{CgroupVersion::v2, entry->mount_point, {}, {}};
        unified_is_root = entry->root == "/";
      }
    } else if (entry->fs_type == "cgroup") {
      auto hierarchy = v1_hierarchy(layout, entry->mount_point, entry->super_options);
      if (!hierarchy.controllers.empty()) layout.hierarchies.push_back(std::move(hierarchy));
    }
  }
  if (unified) {
    add_unified_controllers(layout, unified_controllers, *unified);
    layout.hierarchies.push_back(std::move(*unified));
  }
  return layout;
}

Result<HostLayout> detect_host() {
  auto mountinfo = read_value("/proc/self/mountinfo");
  if (!mountinfo) return std::move(mountinfo).error().context("detect cgroup layout");
  HostLayout probe = layout_from_mountinfo(*mountinfo, "");
  std::string controllers;
  if (const Hierarchy* unified = probe.unified()) {
    auto text = read_value(unified->mount / "cgroup.controllers");
    if (!text) return std::move(text).error().context("detect cgroup layout");
    controllers = std::move(*text);
  }
  HostLayout layout = layout_from_mountinfo(*mountinfo, controllers);
  if (layout.hierarchies.empty()) {
    auto filesystems = read_value("/proc/filesystems");
    bool has_cgroup2 = filesystems && filesystems->find("\tcgroup2\n") != std::string::npos;
    return Error::message(std::string("no cgroup filesystem is mounted (the kernel ") +
                          (has_cgroup2 ? "supports" : "does not support") +
                          " cgroup2; mount it on /sys/fs/cgroup)")
        .context("detect cgroup layout");
  }
  return layout;
}

Result<const HostLayout*> detect_host_once() {
  static std::mutex mutex;
  static std::optional<HostLayout> detected;
  const std::lock_guard lock(mutex);
  if (!detected) {
    auto layout = detect_host();
    if (!layout) return std::move(layout).error();
    detected = std::move(*layout);
  }
  return &*detected;
}

}  // namespace srcompose::cgroup
