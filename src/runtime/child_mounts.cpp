// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime/child_mounts.hpp"

#include <fcntl.h>
#include <linux/limits.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sys/syscalls.hpp"

namespace srcompose::runtime {

namespace {

// Every lookup stays below the new root: ".." and absolute symlinks are resolved against it (a
// symlink "/etc -> /" in an image makes "etc/x" land on "x" of the new root, never on the host's).
// Magic links (/proc/self/fd/N) are refused: they jump wherever the kernel points them.
constexpr uint64_t kResolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

// An fd closed at scope exit; the child-side cousin of UniqueFd, kept trivial on purpose.
struct ScopedFd {
  int fd = -1;
  ~ScopedFd() {
    if (fd >= 0) ::close(fd);
  }
};

// Beneath a mount srcompose just made (an anchor): nothing of the image is on the way, so any
// symlink or mount crossing found there is refused.
constexpr uint64_t kResolveBeneath = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

int open_in_root(int root_fd, const char* path, uint64_t flags, uint64_t resolve = kResolve) {
  return sys::openat2(root_fd, path, flags | O_CLOEXEC, 0, resolve);
}

// Creates the missing last component of `prefix` (a path inside the root, modified in place and
// restored) in its parent, which exists: a directory, or a file when it is the path's end and
// `create` says so. Returns 0 or an errno value (ENOENT: the parent is missing too). With `opened`,
// also opens it (O_PATH) from the parent's fd when this call made it: a plain name just made
// there, so no symlink may stand in its place (*opened stays -1 when something was there already,
// a dangling symlink for one, which the caller resolves as any path).
int create_component(int root_fd, char* prefix, bool last, MountOp::Create create, uint64_t resolve,
                     int* opened = nullptr) {
  char* slash = std::strrchr(prefix, '/');
  const char* name = slash ? slash + 1 : prefix;
  ScopedFd parent{
      slash ? (*slash = '\0', open_in_root(root_fd, prefix, O_PATH | O_DIRECTORY, resolve))
            : ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0)};
  if (slash) *slash = '/';
  if (parent.fd < 0) return errno;
  if (last && create == MountOp::Create::file) {
    int file =
        ::openat(parent.fd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (file < 0) return errno;
    ::close(file);
  } else if (::mkdirat(parent.fd, name, 0755) < 0) {
    if (errno != EEXIST) return errno;
    return 0;
  }
  if (opened) {
    *opened = sys::openat2(parent.fd, name, O_PATH | O_CLOEXEC, 0,
                           RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    if (*opened < 0) return errno;
  }
  return 0;
}

// The usual case of a missing target: its parent exists. Returns the new target's fd, or -1 with
// errno: ENOENT when a parent is missing too, EEXIST when something stood there already.
int create_last_component(int base, const char* path, MountOp::Create create, uint64_t resolve) {
  char buffer[PATH_MAX];
  size_t length = std::strlen(path);
  if (length >= sizeof buffer) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(buffer, path, length + 1);
  int fd = -1;
  if (int error = create_component(base, buffer, true, create, resolve, &fd); error != 0) {
    errno = error;
    return -1;
  }
  if (fd < 0) errno = EEXIST;
  return fd;
}

// Creates what is missing of `path` (directories, and the last component as `create`), each
// component made with mkdirat/openat on its parent's fd so that it lands inside the root.
int create_path(int root_fd, const char* path, MountOp::Create create, uint64_t resolve) {
  char buffer[PATH_MAX];
  size_t length = std::strlen(path);
  if (length >= sizeof buffer) return ENAMETOOLONG;
  std::memcpy(buffer, path, length + 1);
  for (size_t i = 0; i <= length; ++i) {
    if (buffer[i] != '/' && buffer[i] != '\0') continue;
    if (i == 0 || buffer[i - 1] == '/') continue;  // "a//b"
    const bool last = i == length;
    buffer[i] = '\0';
    ScopedFd existing{open_in_root(root_fd, buffer, O_PATH, resolve)};
    if (existing.fd < 0) {
      if (errno != ENOENT) return errno;
      // The parent exists (made in the previous round); create this component in it.
      if (int error = create_component(root_fd, buffer, last, create, resolve); error != 0)
        return error;
    }
    if (!last) buffer[i] = '/';
  }
  return 0;
}

// Opens the target (O_PATH) inside the root, or beneath its anchor, creating it first when asked.
// Returns the fd, or -1 with errno; *step says whether resolving or creating failed. A symlink on
// the way of srcompose's own mounts fails with ELOOP: images keep proc, sys and dev as real
// directories, and replacing a crafted one would mean writing into the image's layer (impossible
// with a read-only root) only to hide the attack. Refused, the start fails and names the path.
int open_target(int root_fd, const MountOp& op, const int* anchors, Step* step) {
  *step = Step::resolve_target;
  int base = root_fd;
  uint64_t resolve = op.no_symlinks ? kResolve | RESOLVE_NO_SYMLINKS : kResolve;
  if (op.anchor >= 0 && op.kind != MountOp::Kind::filesystem) {
    base = anchors[op.anchor];
    resolve = kResolveBeneath;
    if (base < 0) {
      errno = EBADF;  // the filesystem it belongs to was not mounted
      return -1;
    }
  }
  int fd = open_in_root(base, op.target, O_PATH, resolve);
  if (fd >= 0 || errno != ENOENT || op.create == MountOp::Create::none) return fd;
  *step = Step::create_target;
  fd = create_last_component(base, op.target, op.create, resolve);
  if (fd >= 0 || (errno != ENOENT && errno != EEXIST)) return fd;
  if (errno == ENOENT) {
    if (int error = create_path(base, op.target, op.create, resolve); error != 0) {
      errno = error;
      return -1;
    }
  }
  *step = Step::resolve_target;
  return open_in_root(base, op.target, O_PATH, resolve);
}

int move_onto(int mount_fd, int target_fd) {
  if (::move_mount(mount_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
      0) {
    return errno;
  }
  return 0;
}

// A new filesystem instance made through the fs_context API: options are passed one by one, so no
// option string is ever parsed by the kernel's legacy mount(2) path.
int new_filesystem(const char* type, const MountOption* options, size_t count, uint64_t attributes,
                   int* mount_fd) {
  ScopedFd context{::fsopen(type, FSOPEN_CLOEXEC)};
  if (context.fd < 0) return errno;
  for (size_t i = 0; i < count; ++i) {
    const MountOption& option = options[i];
    int result = option.value
                     ? ::fsconfig(context.fd, FSCONFIG_SET_STRING, option.key, option.value, 0)
                     : ::fsconfig(context.fd, FSCONFIG_SET_FLAG, option.key, nullptr, 0);
    if (result < 0) return errno;
  }
  if (::fsconfig(context.fd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) return errno;
  *mount_fd = ::fsmount(context.fd, FSMOUNT_CLOEXEC, static_cast<unsigned>(attributes));
  return *mount_fd < 0 ? errno : 0;
}

constexpr uint64_t kLockedDown =
    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

int mount_filesystem(const ChildConfig& config, const MountOp& op, int target_fd, int* anchors) {
  ScopedFd mounted;
  int error = new_filesystem(op.fs_type, config.options.data() + op.options_begin, op.options_count,
                             op.attributes, &mounted.fd);
  if (error != 0) return error;
  if (int moved = move_onto(mounted.fd, target_fd); moved != 0) return moved;
  if (op.anchor >= 0) {
    if (anchors[op.anchor] >= 0) ::close(anchors[op.anchor]);
    anchors[op.anchor] = mounted.fd;
    mounted.fd = -1;
  }
  return 0;
}

// /dev/null (already bound into the new root's /dev) over a file, an empty read-only tmpfs over a
// directory: what runc and podman do for their masked paths.
int mask(int root_fd, int target_fd) {
  struct stat status {};
  if (::fstat(target_fd, &status) < 0) return errno;
  ScopedFd cover;
  if (S_ISDIR(status.st_mode)) {
    static constexpr MountOption kEmpty[] = {{"mode", "0555"}, {"size", "4096"}};
    if (int error = new_filesystem("tmpfs", kEmpty, 2, kLockedDown, &cover.fd); error != 0) {
      return error;
    }
  } else {
    ScopedFd null{open_in_root(root_fd, "dev/null", O_PATH)};
    if (null.fd < 0) return errno;
    cover.fd = ::open_tree(null.fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (cover.fd < 0) return errno;
    mount_attr attributes{};
    attributes.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC;
    if (::mount_setattr(cover.fd, "", AT_EMPTY_PATH, &attributes, sizeof attributes) < 0) {
      return errno;
    }
  }
  return move_onto(cover.fd, target_fd);
}

// Binds the target onto itself and makes that bind (and all below it) read-only.
int make_readonly(int target_fd) {
  ScopedFd bind{::open_tree(target_fd, "",
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE)};
  if (bind.fd < 0) return errno;
  mount_attr attributes{};
  attributes.attr_set = kLockedDown;
  if (::mount_setattr(bind.fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attributes, sizeof attributes) <
      0) {
    return errno;
  }
  return move_onto(bind.fd, target_fd);
}

// symlinkat on the parent directory's fd, resolved inside the root. An existing entry is kept (the
// image may ship its own /dev links; /dev is a fresh tmpfs here, so that does not happen today).
int make_symlink(int root_fd, const MountOp& op) {
  char buffer[PATH_MAX];
  size_t length = std::strlen(op.target);
  if (length >= sizeof buffer) return ENAMETOOLONG;
  std::memcpy(buffer, op.target, length + 1);
  char* slash = std::strrchr(buffer, '/');
  const char* name = buffer;
  ScopedFd parent;
  if (slash) {
    *slash = '\0';
    name = slash + 1;
    parent.fd = open_in_root(root_fd, buffer, O_PATH | O_DIRECTORY);
  } else {
    parent.fd = ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  }
  if (parent.fd < 0) return errno;
  if (::symlinkat(op.link_target, parent.fd, name) < 0 && errno != EEXIST) return errno;
  return 0;
}

}  // namespace

int attach_root(int root_fd) {
  // MS_SLAVE would still let host mounts appear inside; MS_PRIVATE cuts both directions.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) return errno;
  // The new root is stacked on "/" of this namespace's copy of the host tree, which needs no
  // staging directory on the host (whose path the mapped root might not even be allowed to walk).
  // The working directory is taken first, on the new mount, for pivot_root(".", ".").
  if (::fchdir(root_fd) < 0) return errno;
  if (::move_mount(root_fd, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0) return errno;
  return 0;
}

int apply_mount_op(const ChildConfig& config, const MountOp& op, int root_fd, const int* fds,
                   size_t fd_count, int* anchors, Step* step) {
  if (op.kind == MountOp::Kind::symlink) {
    *step = Step::symlink;
    return make_symlink(root_fd, op);
  }
  ScopedFd target{open_target(root_fd, op, anchors, step)};
  if (target.fd < 0) {
    // A masked or read-only path this kernel does not have (no /proc/kcore without
    // CONFIG_PROC_KCORE): looked up beneath the kernel's own filesystem, ENOENT means there is
    // nothing to hide. Any other failure fails the start.
    if (errno == ENOENT && op.create == MountOp::Create::none) return 0;
    return errno;
  }
  switch (op.kind) {
    case MountOp::Kind::attach:
      *step = Step::mount;
      if (op.fd_index < 0 || static_cast<size_t>(op.fd_index) >= fd_count) return EBADF;
      return move_onto(fds[op.fd_index], target.fd);
    case MountOp::Kind::filesystem:
      *step = Step::mount;
      return mount_filesystem(config, op, target.fd, anchors);
    case MountOp::Kind::mask:
      *step = Step::mask;
      return mask(root_fd, target.fd);
    case MountOp::Kind::readonly:
      *step = Step::readonly_path;
      return make_readonly(target.fd);
    case MountOp::Kind::symlink:
      break;
  }
  return 0;
}

int enter_root(Step* step) {
  // pivot_root(".", ".") stacks the old root on the new one; unmounting "." then removes exactly
  // that old root, lazily, so nothing of the host stays reachable (runc's technique).
  *step = Step::pivot_root;
  if (sys::pivot_root(".", ".") < 0) return errno;
  *step = Step::detach_old_root;
  if (::umount2(".", MNT_DETACH) < 0) return errno;
  if (::chdir("/") < 0) return errno;
  return 0;
}

}  // namespace srcompose::runtime
