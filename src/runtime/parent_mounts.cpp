// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime/parent_mounts.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "sys/kernel_features.hpp"
#include "sys/own_thread.hpp"
#include "sys/syscalls.hpp"
#include "userns/mapping_namespace.hpp"

namespace srcompose::runtime {

namespace {

uint64_t bind_attributes(const plan::MountStep& step) {
  return sys::mount_attributes(step.flags, step.readonly);
}

Status set_attributes(int mount_fd, uint64_t attributes, int userns_fd, const std::string& what) {
  if (attributes == 0) return {};
  mount_attr change{};
  change.attr_set = attributes;
  if (userns_fd >= 0) change.userns_fd = static_cast<__u64>(userns_fd);
  if (::mount_setattr(mount_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &change, sizeof change) < 0) {
    return Error::last_errno("mount_setattr " + what);
  }
  return {};
}

// `idmap = true`: a user namespace that maps the source's owner (uid and gid, as the host has them)
// to the container's root on the host and nothing else, so that through the mount the container's
// root owns the source and what it creates there belongs to the owner on the host. Other users of
// the container write nothing there (their ids have no mapping: EOVERFLOW). A source owned by host
// root is refused while the container's root is not host root: it would make host-root files
// (set-user-ID ones included) from inside.
Result<UniqueFd> idmap_to_container_root(const std::string& source, const struct stat& owner,
                                         const plan::UsernsPlan& userns) {
  const uint32_t root_uid = userns.enabled ? userns.root_uid_on_host : 0;
  const uint32_t root_gid = userns.enabled ? userns.root_gid_on_host : 0;
  if ((owner.st_uid == 0 || owner.st_gid == 0) && (root_uid != 0 || root_gid != 0)) {
    return Error::message("idmap = true: " + source +
                          " is owned by host root (uid or gid 0); expected a directory of the "
                          "user who is to own what the container writes there");
  }
  auto made =
      userns::make_mapping_namespace({{owner.st_uid, root_uid, 1}}, {{owner.st_gid, root_gid, 1}});
  if (!made) return std::move(made).error().context("idmap = true on " + source);
  return made;
}

}  // namespace

Result<BindSources> open_bind_sources(const plan::RootfsPlan& plan,
                                      const plan::UsernsPlan& userns) {
  BindSources sources;
  for (const auto& step : plan.mounts) {
    if (step.kind != plan::MountStep::Kind::bind) continue;
    // The clone is taken by host root in the host's namespace: the container's root could neither
    // walk every host path nor bind from a mount namespace that is not its own.
    UniqueFd mount(::open_tree(AT_FDCWD, step.source.c_str(),
                               OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
    if (!mount) {
      return Error::last_errno("open_tree " + step.source.string()).context("mount " + step.target);
    }
    struct stat status {};
    if (::fstat(mount.get(), &status) < 0) {
      return Error::last_errno("fstat " + step.source.string()).context("mount " + step.target);
    }
    UniqueFd idmap;
    if (step.idmap) {
      auto made = idmap_to_container_root(step.source.string(), status, userns);
      if (!made) return std::move(made).error().context("mount " + step.target);
      idmap = std::move(*made);
    }
    uint64_t attributes = bind_attributes(step) | (idmap ? MOUNT_ATTR_IDMAP : 0);
    if (auto set =
            set_attributes(mount.get(), attributes, idmap ? idmap.get() : -1, step.source.string());
        !set) {
      return std::move(set.error()).context("mount " + step.target);
    }
    sources.is_file.push_back(!S_ISDIR(status.st_mode));
    sources.fds.push_back(std::move(mount));
  }
  return sources;
}

namespace {

// The image, cloned (recursively) and idmapped to `userns_fd` unless that is -1.
Result<UniqueFd> open_lower(const std::string& image, int userns_fd) {
  UniqueFd lower(
      ::open_tree(AT_FDCWD, image.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (!lower) return Error::last_errno("open_tree " + image);
  if (userns_fd < 0) return lower;
  // Files the image has as uid 0 show as the container's root (its host uid), so root inside owns
  // its system files while the image on disk stays untouched and shared between containers.
  if (auto status = set_attributes(lower.get(), MOUNT_ATTR_IDMAP, userns_fd, image); !status) {
    const int error = status.error().error_number();
    if (error == EINVAL || error == EOPNOTSUPP || error == ENOSYS) {
      return Error::from_errno("idmapped mount of " + image +
                                   " (the filesystem may not support idmapped mounts; "
                                   "idmap = \"host\" runs the container without a user namespace)",
                               error);
    }
    return status.error();
  }
  return lower;
}

// Upper and work, then the superblock and its detached mount. nodev: device nodes shipped in an
// image never open.
Result<UniqueFd> finish_overlay(int context, const rootfs::PreparedRootfs& rootfs, bool idmapped) {
  const std::string image = rootfs.image.string();
  const std::string upper = rootfs.upper.string(), work = rootfs.work.string();
  if (::fsconfig(context, FSCONFIG_SET_STRING, "upperdir", upper.c_str(), 0) < 0) {
    return Error::last_errno("fsconfig overlay upperdir " + upper);
  }
  if (::fsconfig(context, FSCONFIG_SET_STRING, "workdir", work.c_str(), 0) < 0) {
    return Error::last_errno("fsconfig overlay workdir " + work);
  }
  // A non-volatile overlay syncs the whole filesystem under its upper layer when it is unmounted,
  // i.e. when the container's init exits: every container's stop waited for the host disk's
  // writeback (tens of ms, more when anything else wrote). A throwaway layer is emptied before the
  // next start anyway, so nothing of it needs to reach the disk (podman mounts its --rm
  // containers' layers so too). Volatile leaves work/work/incompat/volatile, which fails the next
  // mount of the same upper: a restart clears it (clear_volatile_mark says why that is safe); a
  // persistent layer is mounted again after `down`, maybe after a crash, so it syncs.
  if (rootfs.throwaway) {
    if (auto status = rootfs::clear_volatile_mark(rootfs); !status) return status.error();
    if (::fsconfig(context, FSCONFIG_SET_FLAG, "volatile", nullptr, 0) < 0)
      return Error::last_errno("fsconfig overlay volatile");
  }
  if (::fsconfig(context, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
    const int error = errno;
    std::string what = "mount overlay (lower " + image + ", upper " + upper + ")";
    if (idmapped && error == EINVAL) what += " (overlayfs takes idmapped layers since Linux 5.19)";
    return Error::from_errno(what, error);
  }
  UniqueFd mount(::fsmount(context, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV));
  if (!mount) return Error::last_errno("fsmount overlay");
  return mount;
}

Result<UniqueFd> overlay_with_lower_fd(int lower, const rootfs::PreparedRootfs& rootfs,
                                       bool idmapped) {
  UniqueFd context(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!context) return Error::last_errno("fsopen overlay");
  // "lowerdir+" by fd (overlayfs, 6.13+): the idmapped clone has no path anyone could name.
  if (::fsconfig(context.get(), FSCONFIG_SET_FD, "lowerdir+", nullptr, lower) < 0) {
    return Error::last_errno("fsconfig overlay lowerdir+ " + rootfs.image.string());
  }
  return finish_overlay(context.get(), rootfs, idmapped);
}

// Runs in a thread of its own, whose mount namespace dies with it (see make_root_mount).
Result<UniqueFd> overlay_in_private_namespace(int lower, const rootfs::PreparedRootfs& rootfs,
                                              bool idmapped) {
  const std::string image = rootfs.image.string();
  if (::unshare(CLONE_NEWNS) < 0) return Error::last_errno("unshare(CLONE_NEWNS) for the overlay");
  // Private first: attaching below a shared mount would propagate the clone to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) {
    return Error::last_errno("make the overlay's mount namespace private");
  }
  if (::move_mount(lower, "", AT_FDCWD, image.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0) {
    return Error::last_errno("attach the image clone over " + image + " (private namespace)");
  }
  UniqueFd attached(::open(image.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!attached) return Error::last_errno("open " + image + " (private namespace)");
  // Named through the fd: any byte of the image's path (',' ':' '\\') would need escaping in an
  // overlay option, a /proc fd link never does.
  const std::string lowerdir = "/proc/thread-self/fd/" + std::to_string(attached.get());
  UniqueFd context(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!context) return Error::last_errno("fsopen overlay");
  if (::fsconfig(context.get(), FSCONFIG_SET_STRING, "lowerdir", lowerdir.c_str(), 0) < 0) {
    return Error::last_errno("fsconfig overlay lowerdir " + image);
  }
  return finish_overlay(context.get(), rootfs, idmapped);
}

}  // namespace

Result<UniqueFd> make_root_mount(const rootfs::PreparedRootfs& rootfs, int userns_fd,
                                 LowerLayer how) {
  auto lower = open_lower(rootfs.image.string(), userns_fd);
  if (!lower) return std::move(lower).error();
  const bool idmapped = userns_fd >= 0;
  if (how == LowerLayer::by_fd) return overlay_with_lower_fd(lower->get(), rootfs, idmapped);
  // Before 6.13 overlayfs names layers only by path, and takes a layer only from the caller's own
  // mount namespace (clone_private_mount's check_mnt), so the detached clone cannot be a layer.
  // A throwaway thread unshares a private copy of the mount namespace, attaches the clone over the
  // image's path there and builds the overlay from it. overlayfs keeps private clones of its
  // layers, so the overlay outlives that namespace, which dies with the thread: the attached clone
  // is never visible in a namespace anyone else can enter, and nothing is left to clean up.
  return sys::on_own_thread("the overlay's mount namespace", [&] {
    return overlay_in_private_namespace(lower->get(), rootfs, idmapped);
  });
}

Result<UniqueFd> make_root_mount(const rootfs::PreparedRootfs& rootfs, int userns_fd) {
  return make_root_mount(
      rootfs, userns_fd,
      sys::kernel_features().overlay_lower_fd ? LowerLayer::by_fd : LowerLayer::by_private_path);
}

}  // namespace srcompose::runtime
