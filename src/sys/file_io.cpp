// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "common/unique_fd.hpp"

namespace srcompose::sys {

Result<std::string> read_to_end(int fd, std::string_view name_for_errors, size_t max_size) {
  std::string text;
  std::array<char, 8192> buffer{};
  while (true) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::last_errno("read " + std::string(name_for_errors));
    if (n == 0) return text;
    text.append(buffer.data(), static_cast<size_t>(n));
    if (text.size() > max_size) {
      return Error::message(std::string(name_for_errors) + ": larger than " +
                            std::to_string(max_size) + " bytes");
    }
  }
}

Result<std::string> read_whole_file(const std::filesystem::path& path, size_t max_size,
                                    int extra_flags) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | extra_flags));
  if (!fd) return Error::last_errno("open " + path.string());
  return read_to_end(fd.get(), path.string(), max_size);
}

Status write_all(int fd, std::string_view data, std::string_view name_for_errors) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::last_errno("write " + std::string(name_for_errors));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Status rewrite_in_place(int fd, std::string_view content, std::string_view name_for_errors) {
  if (::ftruncate(fd, 0) < 0) return Error::last_errno("truncate " + std::string(name_for_errors));
  for (size_t written = 0; written < content.size();) {
    ssize_t n = ::pwrite(fd, content.data() + written, content.size() - written,
                         static_cast<off_t>(written));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::last_errno("write " + std::string(name_for_errors));
    written += static_cast<size_t>(n);
  }
  return {};
}

namespace {

// A new file's content and attributes (a temporary before it is renamed over the target); `name`
// for messages.
Status fill_new_file(int fd, std::string_view content, mode_t mode,
                     const std::optional<FileOwner>& owner, const std::string& name) {
  if (auto status = write_all(fd, content, name); !status) return status;
  if (owner && ::fchown(fd, owner->uid, owner->gid) < 0)
    return Error::last_errno("chown " + name + " " + std::to_string(owner->uid) + ":" +
                             std::to_string(owner->gid));
  // After fchown, which clears set-id bits; and the umask must not apply.
  if (::fchmod(fd, mode & 07777) < 0) return Error::last_errno("chmod " + name);
  return {};
}

}  // namespace

Status write_file_atomically_at(int dir_fd, std::string_view name, std::string_view content,
                                mode_t mode, std::optional<FileOwner> owner) {
  std::filesystem::path target(name);
  std::filesystem::path temporary =
      target.parent_path() / ("." + target.filename().string() + ".srcompose-tmp");
  // A temporary left by a crash is ours to replace; O_EXCL then refuses anything put there since.
  if (::unlinkat(dir_fd, temporary.c_str(), 0) < 0 && errno != ENOENT)
    return Error::last_errno("unlink " + temporary.string());
  UniqueFd fd(::openat(dir_fd, temporary.c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 07777));
  if (!fd) return Error::last_errno("create " + temporary.string());
  auto status = fill_new_file(fd.get(), content, mode, owner, target.string());
  fd.reset();
  if (status && ::renameat(dir_fd, temporary.c_str(), dir_fd, target.c_str()) < 0)
    status = Error::last_errno("rename " + temporary.string() + " " + target.string());
  if (!status) ::unlinkat(dir_fd, temporary.c_str(), 0);
  return status;
}

Status write_new_file_at(int dir_fd, std::string_view name, std::string_view content, mode_t mode,
                         std::optional<FileOwner> owner) {
  const std::string target(name);
  UniqueFd fd(::openat(dir_fd, target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       mode & 07777));
  if (!fd) return Error::last_errno("create " + target);
  auto status = fill_new_file(fd.get(), content, mode, owner, target);
  if (!status) ::unlinkat(dir_fd, target.c_str(), 0);
  return status;
}

Status write_file_atomically(const std::filesystem::path& path, std::string_view content,
                             mode_t mode) {
  return write_file_atomically_at(AT_FDCWD, path.native(), content, mode);
}

}  // namespace srcompose::sys
