// SPDX-License-Identifier: GPL-2.0-or-later
#include "rootfs/image.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "rootfs/digest_memo.hpp"
#include "rootfs/fs.hpp"

namespace srcompose::rootfs {
namespace {

bool is_real_directory(const std::filesystem::path& path) {
  struct stat status {};
  return ::lstat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode);
}

// The cache's build lock, an flock on the cache directory itself (no file of its own in the
// cache): every build holds it shared for its whole life; a cleaner that gets it exclusively knows
// that no build runs, so every ".tmp-*" left is a crashed build's.
Result<UniqueFd> lock_builds(const std::filesystem::path& cache_directory, int operation) {
  UniqueFd fd(::open(cache_directory.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return Error::last_errno("open " + cache_directory.string());
  while (::flock(fd.get(), operation) < 0) {
    if (errno != EINTR) return Error::last_errno("flock " + cache_directory.string());
  }
  return fd;
}

// Builds `name` in `cache_directory` once: `build(temporary_directory)` fills a fresh ".tmp-XXXXXX"
// directory, which is then renamed into place.
template <class Build>
Result<Image> build_once(const std::filesystem::path& cache_directory, const std::string& name,
                         Build build) {
  // Before the cache is used: an images/ left readable by an older version is closed now.
  auto cache = make_private_storage_dir(cache_directory);
  if (!cache) return std::move(cache).error();
  Image image{cache_directory / name, {}};
  if (is_real_directory(image.directory)) return image;  // cached: same inode as before
  // What a crashed build left goes first; then this build is announced (shared lock) before its
  // directory exists, so no cleaner can take it for a crashed one.
  if (auto cleaned = remove_stale_builds(cache_directory); !cleaned) return cleaned.error();
  auto building = lock_builds(cache_directory, LOCK_SH);
  if (!building) return std::move(building).error();
  std::string pattern = (cache_directory / ".tmp-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return Error::last_errno("mkdtemp " + pattern);
  std::filesystem::path temporary = pattern;
  auto discard = [&] { (void)fs::remove_tree(temporary); };
  // mkdtemp made it 0700; the image root is the container's "/".
  if (::chmod(temporary.c_str(), 0755) < 0) {
    int saved = errno;
    discard();
    return Error::from_errno("chmod " + temporary.string(), saved);
  }
  if (auto status = build(temporary, image.notes); !status) {
    discard();
    return std::move(status).error();
  }
  if (::rename(temporary.c_str(), image.directory.c_str()) < 0) {
    int saved = errno;
    discard();
    // Another builder renamed its copy first: use that one.
    if ((saved == ENOTEMPTY || saved == EEXIST) && is_real_directory(image.directory)) return image;
    return Error::from_errno("rename " + temporary.string() + " " + image.directory.string(),
                             saved);
  }
  return image;
}

Result<UniqueFd> open_regular_file(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC));
  if (!fd) return Error::last_errno("open " + path.string());
  struct stat status {};
  if (::fstat(fd.get(), &status) < 0) return Error::last_errno("fstat " + path.string());
  if (!S_ISREG(status.st_mode)) return Error::message(path.string() + ": not a regular file");
  return fd;
}

struct OpenedSource {
  UniqueFd fd;
  std::string digest;  // sha256 hex of the tarball, or of the host's busybox
};

// A tarball or builtin:busybox source opened, with the digest that names its image. Errors carry
// the rootfs as the lab file wrote it.
Result<OpenedSource> open_and_digest(const spec::Rootfs& source,
                                     const std::filesystem::path& cache_directory) {
  bool tarball = source.kind == spec::RootfsKind::tarball;
  std::string what = tarball ? "rootfs " + source.text : std::string("rootfs builtin:busybox");
  auto fd = open_regular_file(tarball ? source.path : std::filesystem::path(kHostBusybox));
  if (!fd) return std::move(fd).error().context(what);
  // Every container start asks again: the memo answers (digest_memo.hpp).
  auto digest =
      remembered_sha256(fd->get(), tarball ? source.path.string() : kHostBusybox, cache_directory);
  if (!digest) return std::move(digest).error().context(what);
  return OpenedSource{std::move(*fd), std::move(*digest)};
}

}  // namespace

Status remove_stale_builds(const std::filesystem::path& cache_directory) {
  std::error_code error;
  if (!std::filesystem::is_directory(cache_directory, error)) return {};
  auto lock = lock_builds(cache_directory, LOCK_EX | LOCK_NB);
  if (!lock) {
    // A build is running (here or in another lab): its directory is not stale; try next time.
    return lock.error().error_number() == EWOULDBLOCK ? Status{} : Status(std::move(lock).error());
  }
  std::filesystem::directory_iterator entries(cache_directory, error);
  for (; !error && entries != std::filesystem::directory_iterator(); entries.increment(error)) {
    if (!entries->path().filename().string().starts_with(".tmp-")) continue;
    if (auto removed = fs::remove_tree(entries->path()); !removed) return removed;
  }
  if (error) return Error::from_errno("list " + cache_directory.string(), error.value());
  return {};
}

Result<std::string> image_identity(const spec::Rootfs& source,
                                   const std::filesystem::path& cache_directory) {
  if (source.kind == spec::RootfsKind::directory) return "directory:" + source.path.string();
  auto opened = open_and_digest(source, cache_directory);
  if (!opened) return std::move(opened).error();
  return (source.kind == spec::RootfsKind::tarball ? "sha256:" : "builtin:busybox sha256:") +
         opened->digest;
}

Result<Image> ensure_image(const spec::Rootfs& source,
                           const std::filesystem::path& cache_directory) {
  switch (source.kind) {
    case spec::RootfsKind::directory: {
      if (!is_real_directory(source.path)) {
        return Error::message("rootfs " + source.path.string() + ": not a directory");
      }
      return Image{source.path, {}};
    }
    case spec::RootfsKind::tarball: {
      auto tar = open_and_digest(source, cache_directory);
      if (!tar) return std::move(tar).error();
      auto image = build_once(
          cache_directory, "sha256-" + tar->digest,
          [&](const std::filesystem::path& directory, std::vector<std::string>& notes) -> Status {
            if (::lseek(tar->fd.get(), 0, SEEK_SET) < 0) {
              return Error::last_errno("lseek " + source.path.string());
            }
            return extract_tarball(tar->fd.get(), directory, notes);
          });
      if (!image) return std::move(image).error().context("rootfs " + source.text);
      return image;
    }
    case spec::RootfsKind::builtin_busybox:
      break;
  }
  auto busybox = open_and_digest(source, cache_directory);
  if (!busybox) return std::move(busybox).error();
  // The version names the image's layout: a change of layout must not reuse an older cached image.
  auto image =
      build_once(cache_directory, "builtin-busybox-v2-" + busybox->digest,
                 [&](const std::filesystem::path& directory, std::vector<std::string>&) -> Status {
                   return build_busybox_image(busybox->fd.get(), directory);
                 });
  if (!image) return std::move(image).error().context("rootfs builtin:busybox");
  return image;
}

}  // namespace srcompose::rootfs
