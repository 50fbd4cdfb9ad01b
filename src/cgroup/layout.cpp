// SPDX-License-Identifier: GPL-2.0-or-later
#include "cgroup/layout.hpp"

#include <algorithm>
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

std::vector<std::string_view> fields_of(std::string_view line, char separator) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (start <= line.size()) {
    size_t end = line.find(separator, start);
    if (end == std::string_view::npos) end = line.size();
    if (end > start) fields.push_back(line.substr(start, end - start));
    start = end + 1;
  }
  return fields;
}

// "36 25 0:32 / /sys/fs/cgroup/memory rw,relatime shared:15 - cgroup cgroup rw,memory"
std::optional<MountEntry> parse_mountinfo_line(std::string_view line) {
  auto fields = fields_of(line, ' ');
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
  for (auto option : fields_of(super_options, ',')) {
    if (option == "rw" || option == "ro" || option.starts_with("release_agent=")) continue;
    if (!options.empty()) options += ',';
    options += option;
  }
  return options;
}

bool contains(const std::vector<Controller>& list, Controller controller) {
  return std::find(list.begin(), list.end(), controller) != list.end();
}

}  // namespace

std::string_view v1_name(Controller controller) {
  switch (controller) {
    case Controller::cpu:
      return "cpu";
    case Controller::cpuacct:
      return "cpuacct";
    case Controller::cpuset:
      return "cpuset";
    case Controller::memory:
      return "memory";
    case Controller::pids:
      return "pids";
    case Controller::io:
      return "blkio";
    case Controller::freezer:
      return "freezer";
    case Controller::devices:
      return "devices";
  }
  return "";
}

std::string_view v2_name(Controller controller) {
  switch (controller) {
    case Controller::cpu:
      return "cpu";
    case Controller::cpuset:
      return "cpuset";
    case Controller::memory:
      return "memory";
    case Controller::pids:
      return "pids";
    case Controller::io:
      return "io";
    case Controller::cpuacct:
    case Controller::freezer:
    case Controller::devices:
      return "";
  }
  return "";
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
    if (contains(hierarchy.controllers, controller)) return &hierarchy;
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
  for (auto option : fields_of(super_options, ',')) {
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
  for (auto name : fields_of(unified_controllers, ' ')) {
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
  for (auto line : fields_of(mountinfo, '\n')) {
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

}  // namespace srcompose::cgroup
