// SPDX-License-Identifier: GPL-2.0-or-later
#include "rootfs/prepare.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "rootfs/fs.hpp"
#include "rootfs/image.hpp"
#include "rootfs/passwd.hpp"
#include "sys/file_io.hpp"

namespace srcompose::rootfs {
namespace {

// Beside upper/ and work/, outside what the container sees: marks a layer `down` must keep.
constexpr const char* kPersistMarker = "persist";
constexpr size_t kMaxAccountFileSize = 4 << 20;

bool is_plain_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos;
}

// Opens `name` in `dir_fd` as a directory without following symlinks, creating it (owned by
// uid:gid, 0755) when missing. An existing directory keeps its owner and mode: in a persistent
// layer it is the container's.
Result<UniqueFd> enter_or_create(int dir_fd, const std::string& name, uid_t uid, gid_t gid) {
  if (::mkdirat(dir_fd, name.c_str(), 0755) == 0) {
    return fs::make_directory_at(dir_fd, name, 0755, uid, gid);
  }
  if (errno != EEXIST) return Error::last_errno("mkdir " + name);
  return fs::open_directory_at(dir_fd, name);
}

// `fresh`: the upper layer was made empty just now (a throwaway layer), so nothing can be at the
// file's path yet and it is created in place; a persistent layer's file is replaced atomically,
// whatever the container left there.
Status write_into_upper(int upper_fd, const plan::FileToWrite& file, uid_t uid, gid_t gid,
                        bool fresh) {
  std::string_view path = file.path;
  if (path.empty() || path[0] != '/') return Error::message("file " + file.path + ": not absolute");
  std::vector<std::string> components;
  while (!path.empty()) {
    path.remove_prefix(1);  // the '/'
    size_t end = path.find('/');
    std::string_view component = path.substr(0, end);
    if (!is_plain_name(component)) {
      return Error::message("file " + file.path + ": '.', '..' or empty component");
    }
    components.emplace_back(component);
    path.remove_prefix(end == std::string_view::npos ? path.size() : end);
  }
  UniqueFd directory(::fcntl(upper_fd, F_DUPFD_CLOEXEC, 0));
  if (!directory) return Error::last_errno("fcntl F_DUPFD_CLOEXEC");
  for (size_t i = 0; i + 1 < components.size(); ++i) {
    auto next = enter_or_create(directory.get(), components[i], uid, gid);
    if (!next) return std::move(next).error().context("write " + file.path);
    directory = std::move(*next);
  }
  const sys::FileOwner owner{uid, gid};
  auto status = fresh ? sys::write_new_file_at(directory.get(), components.back(), file.content,
                                               file.mode, owner)
                      : sys::write_file_atomically_at(directory.get(), components.back(),
                                                      file.content, file.mode, owner);
  if (!status) return std::move(status).error().context("write " + file.path);
  return {};
}

// Container's own file at `path` (relative): the upper layer first, then the image. A whiteout in
// upper is treated as absent there, and the image is then consulted (good enough for the files
// srcompose reads: a container deleting its /etc/passwd is not a case worth an overlay walk).
Result<std::optional<std::string>> read_container_file(const PreparedRootfs& rootfs,
                                                       const std::string& path) {
  for (const auto* layer : {&rootfs.upper, &rootfs.image}) {
    if (layer->empty()) continue;
    UniqueFd root(::open(layer->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root) {
      if (errno == ENOENT) continue;
      return Error::last_errno("open " + layer->string());
    }
    auto text = fs::read_file_in_root(root.get(), path, kMaxAccountFileSize);
    if (!text) return std::move(text).error().context(layer->string());
    if (*text) return text;
  }
  return std::optional<std::string>{};
}

// A size-limited layer is a tmpfs mounted on <layer_dir>. Detached lazily: the container's overlay
// may hold it a moment longer. Not mounted (EINVAL) or absent is fine; layers mounted twice by a
// crashed supervisor are all taken off.
Status unmount_layer(const std::filesystem::path& layer_dir) {
  for (int stacked = 0; stacked < 16; ++stacked) {
    if (::umount2(layer_dir.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) continue;
    if (errno == EINVAL || errno == ENOENT) return {};
    return Error::last_errno("umount " + layer_dir.string());
  }
  return Error::message("umount " + layer_dir.string() + ": still mounted after 16 unmounts");
}

// limits.disk: a tmpfs of `size` bytes on the layer directory `layer_fd` (made by host root in the
// host's mount namespace, nosuid and nodev), so that upper/ and work/ cannot grow past it: the
// writer gets ENOSPC and the host's disk is never written. At most one inode per 4 KiB of it:
// inodes cost kernel memory that `size` does not count. Returns the tmpfs's root.
Result<UniqueFd> mount_size_limited_layer(int layer_fd, uint64_t size) {
  UniqueFd context(::fsopen("tmpfs", FSOPEN_CLOEXEC));
  if (!context) return Error::last_errno("fsopen tmpfs");
  const std::string inodes = std::to_string(std::max<uint64_t>(size / 4096, 1024));
  for (const auto& [key, value] :
       {std::pair<std::string, std::string>{"size", std::to_string(size)},
        {"nr_inodes", inodes},
        {"mode", "0711"}}) {
    if (::fsconfig(context.get(), FSCONFIG_SET_STRING, key.c_str(), value.c_str(), 0) < 0) {
      return Error::last_errno("fsconfig tmpfs " + key + "=" + value);
    }
  }
  if (::fsconfig(context.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
    return Error::last_errno("fsconfig tmpfs create");
  }
  UniqueFd mount(::fsmount(context.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV));
  if (!mount) return Error::last_errno("fsmount tmpfs");
  if (::move_mount(mount.get(), "", layer_fd, "",
                   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
    return Error::last_errno("move_mount tmpfs");
  }
  return mount;
}

}  // namespace

Result<PreparedRootfs> prepare(const plan::RootfsPlan& plan, const plan::UsernsPlan& userns,
                               const std::vector<plan::FileToWrite>& files) {
  auto image = ensure_image(plan.source, plan.image_cache_dir);
  if (!image) return std::move(image).error().context("prepare rootfs");
  const uid_t uid = userns.root_uid_on_host;
  const gid_t gid = userns.root_gid_on_host;
  auto fail = [&](Error error) {
    return std::move(error).context("prepare layer " + plan.layer_dir.string());
  };

  std::string name = plan.layer_dir.filename().string();
  if (!is_plain_name(name)) return fail(Error::message("bad layer directory name"));
  auto containers = make_private_storage_dir(plan.layer_dir.parent_path().parent_path());
  if (!containers) return fail(std::move(containers).error());
  // 0711 below the private containers/ (storage.cpp): nobody but root reaches this far anyway.
  auto parent = fs::make_directory_path(plan.layer_dir.parent_path(), 0711);
  if (!parent) return fail(std::move(parent).error());
  // Every `up` makes the lab's layers afresh and every `down` removes them. ext4 without a journal
  // (the development VM's) skips an inode freed in the last seconds, minutes while its inode table
  // block is dirty, and scans its group from the start at every allocation: with all layers in the
  // group of their project directory, each `up` scanned the inodes the last `down` freed, over and
  // over (a fifth of `up` x200's CPU time; `up` x50 348 -> 233 ms spread). Spread, each group holds
  // a few layers. A journalled ext4 only places them apart.
  fs::spread_subdirectories(parent->get());
  if (!plan.persist) {
    if (auto status = unmount_layer(plan.layer_dir); !status) return fail(status.error());
    if (auto status = fs::remove_tree_at(parent->get(), name); !status) return fail(status.error());
  }
  auto layer = fs::make_directory_at(parent->get(), name, 0711, 0, 0);
  if (!layer) return fail(std::move(layer).error());
  if (plan.disk_limit) {
    auto limited = mount_size_limited_layer(layer->get(), *plan.disk_limit);
    if (!limited) return fail(std::move(limited).error().context("limits.disk"));
    layer = std::move(limited);
  }
  // Overlayfs in a user namespace checks upper and work against the mounter: both belong to the
  // container's root. work/ is overlay's scratch space, nobody else's business: 0700.
  auto upper = fs::make_directory_at(layer->get(), "upper", 0755, uid, gid);
  if (!upper) return fail(std::move(upper).error());
  auto work = fs::make_directory_at(layer->get(), "work", 0700, uid, gid);
  if (!work) return fail(std::move(work).error());
  if (plan.persist) {
    if (auto status = sys::write_file_atomically_at(layer->get(), kPersistMarker, "", 0644,
                                                    sys::FileOwner{0, 0});
        !status) {
      return fail(status.error());
    }
  }
  for (const auto& file : files) {
    if (auto status = write_into_upper(upper->get(), file, uid, gid, !plan.persist); !status) {
      return fail(status.error());
    }
  }
  return PreparedRootfs{image->directory, plan.layer_dir / "upper", plan.layer_dir / "work",
                        !plan.persist, std::move(image->notes)};
}

Status clear_volatile_mark(const PreparedRootfs& rootfs) {
  if (!rootfs.throwaway) return {};
  return fs::remove_tree(rootfs.work / "work" / "incompat" / "volatile");
}

Status remove_layer(const plan::RootfsPlan& plan) {
  if (plan.persist) return {};
  if (auto status = unmount_layer(plan.layer_dir); !status) return status;
  if (auto status = fs::remove_tree(plan.layer_dir); !status) return status;
  // The project's directory goes with its last layer, so `down` leaves nothing behind.
  auto project_dir = plan.layer_dir.parent_path();
  if (::rmdir(project_dir.c_str()) < 0 && errno != ENOTEMPTY && errno != EEXIST &&
      errno != ENOENT) {
    return Error::last_errno("rmdir " + project_dir.string());
  }
  return {};
}

namespace {

// A layer kept by `down` (persistent = true): its marker is a regular file.
bool is_persistent(int project_fd, const std::string& layer) {
  std::string marker = layer + "/" + kPersistMarker;
  struct stat status {};
  return ::fstatat(project_fd, marker.c_str(), &status, AT_SYMLINK_NOFOLLOW) == 0 &&
         S_ISREG(status.st_mode);
}

}  // namespace

Status remove_project_layers(const std::filesystem::path& storage_dir, std::string_view project,
                             bool keep_persistent) {
  if (!is_plain_name(project)) {
    return Error::message("remove layers: bad project name \"" + std::string(project) + "\"");
  }
  auto project_dir = storage_dir / "containers" / std::string(project);
  if (!keep_persistent) {
    std::error_code error;
    std::filesystem::directory_iterator entries(project_dir, error);
    for (; !error && entries != std::filesystem::directory_iterator(); entries.increment(error)) {
      if (auto unmounted = unmount_layer(entries->path()); !unmounted) return unmounted;
    }
    return fs::remove_tree(project_dir);
  }
  UniqueFd directory(::open(project_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!directory) {
    if (errno == ENOENT) return {};
    return Error::last_errno("open " + project_dir.string());
  }
  auto entries = fs::list_directory(directory.get());
  if (!entries) return std::move(entries).error().context("list " + project_dir.string());
  for (const auto& entry : *entries) {
    if (is_persistent(directory.get(), entry.name)) continue;
    if (auto unmounted = unmount_layer(project_dir / entry.name); !unmounted) return unmounted;
    if (auto removed = fs::remove_tree_at(directory.get(), entry.name); !removed) {
      return std::move(removed).error().context("remove " + (project_dir / entry.name).string());
    }
  }
  // Gone only when nothing persistent is left in it.
  if (::rmdir(project_dir.c_str()) < 0 && errno != ENOTEMPTY && errno != EEXIST &&
      errno != ENOENT) {
    return Error::last_errno("rmdir " + project_dir.string());
  }
  return {};
}

Result<ResolvedUser> resolve_user(const PreparedRootfs& rootfs, std::string_view spec) {
  auto context = "resolve user \"" + std::string(spec) + "\"";
  auto passwd = read_container_file(rootfs, "etc/passwd");
  if (!passwd) return std::move(passwd).error().context(context);
  auto group = read_container_file(rootfs, "etc/group");
  if (!group) return std::move(group).error().context(context);
  std::optional<std::string_view> passwd_text, group_text;
  if (*passwd) passwd_text = **passwd;
  if (*group) group_text = **group;
  auto resolved = resolve_user_in(spec, passwd_text, group_text);
  if (!resolved) return std::move(resolved).error().context(context);
  return resolved;
}

}  // namespace srcompose::rootfs
