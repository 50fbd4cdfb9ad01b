// SPDX-License-Identifier: GPL-2.0-or-later
// Rootfs and mount plan: where the image comes from, where the writable layer lives, and the
// ordered list of mounts the child performs inside its mount namespace.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "plan/shared.hpp"
#include "spec/lab.hpp"

namespace srcompose::plan {

// One mount done by the child, in order, after the root is assembled and before pivot_root.
// `target` is absolute inside the container and is always resolved inside the new root (never
// following a symlink out of it).
struct MountStep {
  enum class Kind { bind, tmpfs, proc, sysfs, devpts, mqueue, cgroup };
  Kind kind = Kind::tmpfs;
  std::filesystem::path source;  // bind only: host path, opened in the parent before clone
  std::string target;
  std::string data;          // filesystem options, e.g. "size=65536k,mode=755"
  unsigned long flags = 0;   // MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY ...
  bool readonly = false;     // applied with a remount / mount_setattr after mounting
  bool create_file = false;  // bind of a regular file: target is created as a file
  // bind: idmapped so that the source's owner (uid and gid) is the container's root (the parent
  // reads the owner when it opens the source, and refuses host root).
  bool idmap = false;
  // srcompose's own mounts: the target is reached without following any symlink of the image (a
  // "proc -> /" is refused, not followed). The lab file's mounts follow symlinks inside the root.
  bool no_symlinks = false;

  friend bool operator==(const MountStep&, const MountStep&) = default;
};

// A file the parent writes into the container's writable layer before start (/etc/hosts, ...):
// plan::files_to_write (lab_plan.hpp) makes them when the layer is made, they are not kept.
struct FileToWrite {
  std::string path;  // absolute inside the container
  std::string content;
  uint32_t mode = 0644;
};

struct RootfsPlan {
  spec::Rootfs source;
  // <storage>/containers/<project>/<container>: holds upper/ and work/ of the overlay.
  std::filesystem::path layer_dir;
  std::filesystem::path image_cache_dir;  // <storage>/images
  bool read_only = false;
  bool persist = false;
  // limits.disk: <layer_dir> is a tmpfs of this many bytes (never with persist).
  std::optional<uint64_t> disk_limit;
  // The three lists are alike in most containers of a lab: plan_lab gives alike ones one copy.
  Shared<std::vector<MountStep>> mounts;  // after the root: /proc, /dev, /sys, user mounts, ...
  Shared<std::vector<std::string>> masked_paths;  // bind /dev/null (files) or empty ro tmpfs (dirs)
  Shared<std::vector<std::string>> readonly_paths;  // remounted read-only
};

RootfsPlan plan_rootfs(const spec::Lab& lab, const spec::Container& container);

}  // namespace srcompose::plan
