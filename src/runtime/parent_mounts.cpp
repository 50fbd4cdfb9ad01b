#include "runtime/parent_mounts.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

namespace srcompose::runtime {

namespace {

uint64_t bind_attributes(const plan::MountStep& step) {
  uint64_t attributes = 0;
  if (step.flags & MS_NOSUID) attributes |= MOUNT_ATTR_NOSUID;
  if (step.flags & MS_NODEV) attributes |= MOUNT_ATTR_NODEV;
  if (step.flags & MS_NOEXEC) attributes |= MOUNT_ATTR_NOEXEC;
  if ((step.flags & MS_RDONLY) || step.readonly) attributes |= MOUNT_ATTR_RDONLY;
  return attributes;
}

Status set_attributes(int mount_fd, uint64_t attributes, int userns_fd, const std::string& what) {
  if (attributes == 0) return {};
  mount_attr change{};
  change.attr_set = attributes;
  if (userns_fd >= 0) change.userns_fd = static_cast<uint64_t>(userns_fd);
  if (::mount_setattr(mount_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &change, sizeof change) < 0) {
    return Error::last_errno("mount_setattr " + what);
  }
  return {};
}

}  // namespace

Result<BindSources> open_bind_sources(const plan::RootfsPlan& plan) {
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
    if (auto status = set_attributes(mount.get(), bind_attributes(step), -1, step.source.string());
        !status) {
      return std::move(status.error()).context("mount " + step.target);
    }
    struct stat status {};
    if (::fstat(mount.get(), &status) < 0) {
      return Error::last_errno("fstat " + step.source.string()).context("mount " + step.target);
    }
    sources.is_file.push_back(!S_ISDIR(status.st_mode));
    sources.fds.push_back(std::move(mount));
  }
  return sources;
}

Result<UniqueFd> make_root_mount(const rootfs::PreparedRootfs& rootfs, int userns_fd) {
  const std::string image = rootfs.image.string();
  UniqueFd lower(
      ::open_tree(AT_FDCWD, image.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (!lower) return Error::last_errno("open_tree " + image);
  if (userns_fd >= 0) {
    // Files the image has as uid 0 show as the container's root (its host uid), so root inside owns
    // its system files while the image on disk stays untouched and shared between containers.
    if (auto status = set_attributes(lower.get(), MOUNT_ATTR_IDMAP, userns_fd, image); !status) {
      const int error = status.error().error_number();
      if (error == EINVAL || error == EOPNOTSUPP || error == ENOSYS) {
        return Error::from_errno(
            "idmapped mount of " + image +
                " (the filesystem may not support idmapped mounts; "
                "idmap = \"host\" runs the container without a user namespace)",
            error);
      }
      return status.error();
    }
  }
  UniqueFd context(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!context) return Error::last_errno("fsopen overlay");
  // "lowerdir+" by fd (overlayfs, 6.13+): the idmapped clone has no path anyone could name.
  if (::fsconfig(context.get(), FSCONFIG_SET_FD, "lowerdir+", nullptr, lower.get()) < 0) {
    return Error::last_errno("fsconfig overlay lowerdir+ " + image);
  }
  const std::string upper = rootfs.upper.string(), work = rootfs.work.string();
  if (::fsconfig(context.get(), FSCONFIG_SET_STRING, "upperdir", upper.c_str(), 0) < 0) {
    return Error::last_errno("fsconfig overlay upperdir " + upper);
  }
  if (::fsconfig(context.get(), FSCONFIG_SET_STRING, "workdir", work.c_str(), 0) < 0) {
    return Error::last_errno("fsconfig overlay workdir " + work);
  }
  if (::fsconfig(context.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
    return Error::last_errno("mount overlay (lower " + image + ", upper " + upper + ")");
  }
  UniqueFd mount(::fsmount(context.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV));
  if (!mount) return Error::last_errno("fsmount overlay");
  return mount;
}

}  // namespace srcompose::runtime
