// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/rootfs.hpp"

#include <sys/mount.h>

#include <algorithm>

namespace srcompose::plan {

namespace {

constexpr unsigned long kNoSuidDevExec = MS_NOSUID | MS_NODEV | MS_NOEXEC;
constexpr uint32_t kTtyGid = 5;

// Device nodes bind-mounted from the host's /dev: mknod(2) is refused inside a user namespace, and
// a bind of the host node gives the same device with none of the host's other nodes (runc's list).
constexpr const char* kDeviceNodes[] = {"null", "zero", "full", "random", "urandom", "tty"};

// Paths hidden from the container: kernel memory (kcore), every user's keys, timer and scheduler
// internals that leak host addresses and activity; the list is runc's and podman's default.
constexpr const char* kMaskedPaths[] = {"/proc/acpi",        "/proc/kcore",
                                        "/proc/keys",        "/proc/latency_stats",
                                        "/proc/timer_list",  "/proc/timer_stats",
                                        "/proc/sched_debug", "/proc/scsi",
                                        "/sys/firmware",     "/sys/devices/virtual/powercap"};

// Kernel knobs a container's root must not change even though /proc itself stays writable for
// /proc/self/... (oom_score_adj, comm, ...).
constexpr const char* kReadonlyPaths[] = {"/proc/asound", "/proc/bus", "/proc/fs",
                                          "/proc/irq",    "/proc/sys", "/proc/sysrq-trigger"};

// devpts' gid= option names a group inside the container: it is only given when that group is
// mapped, otherwise the mount fails (EINVAL) in the user namespace.
bool tty_gid_mapped(const spec::IdMap& idmap) {
  if (idmap.mode != spec::IdMapMode::explicit_ranges) return true;
  return std::any_of(idmap.gid.begin(), idmap.gid.end(), [](const spec::IdRange& range) {
    return kTtyGid >= range.inside && kTtyGid - range.inside < range.count;
  });
}

MountStep filesystem(MountStep::Kind kind, std::string target, std::string data,
                     unsigned long flags, bool readonly = false) {
  MountStep step;
  step.kind = kind;
  step.target = std::move(target);
  step.data = std::move(data);
  step.flags = flags;
  step.readonly = readonly;
  step.no_symlinks = true;
  return step;
}

std::string octal(uint32_t value) {
  std::string text;
  do {
    text.insert(text.begin(), static_cast<char>('0' + (value & 7U)));
    value >>= 3;
  } while (value != 0);
  return "0" + text;
}

size_t depth(const std::string& path) {
  return static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
}

MountStep user_mount(const spec::Mount& mount) {
  MountStep step;
  step.target = mount.target;
  step.readonly = mount.readonly;
  // Host directories shared with untrusted code never carry set-user-ID programs or devices into
  // it.
  step.flags = MS_NOSUID | MS_NODEV;
  if (mount.type == spec::MountType::bind) {
    step.kind = MountStep::Kind::bind;
    step.source = mount.source;
    step.idmap = mount.idmap;
    return step;
  }
  step.kind = MountStep::Kind::tmpfs;
  std::string data;
  if (mount.size) data = "size=" + std::to_string(*mount.size);
  if (mount.mode) data += (data.empty() ? "" : ",") + std::string("mode=") + octal(*mount.mode);
  step.data = std::move(data);
  return step;
}

}  // namespace

RootfsPlan plan_rootfs(const spec::Lab& lab, const spec::Container& container) {
  RootfsPlan plan;
  plan.source = container.rootfs;
  plan.layer_dir = lab.storage_dir / "containers" / lab.name / container.name;
  plan.image_cache_dir = lab.storage_dir / "images";
  plan.read_only = container.read_only;
  plan.persist = container.persist;
  plan.disk_limit = container.limits.disk;

  using Kind = MountStep::Kind;
  std::vector<MountStep> mounts;
  // proc of the container's pid namespace; noexec: nothing under /proc is meant to be run.
  mounts.push_back(filesystem(Kind::proc, "/proc", "", kNoSuidDevExec));
  // A small /dev: device nodes are bind mounts (mounts of their own, usable), so the tmpfs itself
  // needs no more than 64 KiB and is nodev: a node made in it with mknod opens nothing.
  mounts.push_back(filesystem(Kind::tmpfs, "/dev", "mode=755,size=65536", kNoSuidDevExec));
  for (const char* node : kDeviceNodes) {
    MountStep step;
    step.kind = Kind::bind;
    step.source = std::string("/dev/") + node;
    step.target = std::string("/dev/") + node;
    step.flags = MS_NOSUID | MS_NOEXEC;
    step.create_file = true;
    step.no_symlinks = true;
    mounts.push_back(std::move(step));
  }
  std::string devpts = "newinstance,ptmxmode=0666,mode=0620";
  if (tty_gid_mapped(container.idmap)) devpts += ",gid=" + std::to_string(kTtyGid);
  mounts.push_back(filesystem(Kind::devpts, "/dev/pts", devpts, MS_NOSUID | MS_NOEXEC));
  mounts.push_back(filesystem(Kind::tmpfs, "/dev/shm", "mode=1777,size=67108864", kNoSuidDevExec));
  mounts.push_back(filesystem(Kind::mqueue, "/dev/mqueue", "", kNoSuidDevExec));
  // sysfs needs the container's own network namespace; read-only so that no knob of the host's
  // devices can be turned from inside.
  mounts.push_back(filesystem(Kind::sysfs, "/sys", "", kNoSuidDevExec, true));
  mounts.push_back(filesystem(Kind::cgroup, "/sys/fs/cgroup", "", kNoSuidDevExec, true));

  // The lab file's mounts, parents before children so that "/data" never hides "/data/cache";
  // stable, so equal depths keep file order.
  std::vector<MountStep> user;
  for (const auto& mount : container.mounts)
    user.push_back(user_mount(mount));
  std::stable_sort(user.begin(), user.end(), [](const MountStep& a, const MountStep& b) {
    return depth(a.target) < depth(b.target);
  });
  for (auto& step : user)
    mounts.push_back(std::move(step));
  plan.mounts = std::move(mounts);

  plan.masked_paths = std::vector<std::string>(std::begin(kMaskedPaths), std::end(kMaskedPaths));
  plan.readonly_paths =
      std::vector<std::string>(std::begin(kReadonlyPaths), std::end(kReadonlyPaths));
  return plan;
}

}  // namespace srcompose::plan
