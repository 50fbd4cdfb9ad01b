// SPDX-License-Identifier: GPL-2.0-or-later
// Reading and writing a file or a pipe whole: the one loop of read(2) calls (EINTR retried, a size
// cap), the one loop of write(2) calls, and the one way of replacing a file's content (atomically
// by rename, or in place under a lock) that the modules share.
#pragma once

#include <sys/types.h>
#include <cstddef>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace srcompose::sys {

// Reads `fd` from its current offset to the end (small files, /proc and /sys files, pipes). More
// than `max_size` bytes is an error naming `name_for_errors`.
Result<std::string> read_to_end(int fd, std::string_view name_for_errors,
                                size_t max_size = SIZE_MAX);

// Opens `path` (O_RDONLY | O_CLOEXEC | `extra_flags`, e.g. O_NOFOLLOW) and reads it whole.
Result<std::string> read_whole_file(const std::filesystem::path& path, size_t max_size = SIZE_MAX,
                                    int extra_flags = 0);

// Writes all of `data` to `fd` from its current offset (EINTR and short writes retried). Errors
// name `name_for_errors`.
Status write_all(int fd, std::string_view data, std::string_view name_for_errors);

// Replaces the whole content of the open regular file `fd` in place (ftruncate, then pwrite from
// offset 0): for a file whose inode matters, such as one locked with flock. A reader that does not
// hold the lock may see it part-written; a file read without a lock is written atomically instead.
Status rewrite_in_place(int fd, std::string_view content, std::string_view name_for_errors);

struct FileOwner {
  uid_t uid = 0;
  gid_t gid = 0;
};

// Writes `content` as the new file `name` in the directory `dir_fd` (AT_FDCWD: the working
// directory): a temporary ".NAME.srcompose-tmp" beside it, created O_EXCL|O_NOFOLLOW with `mode`
// (fchmod'ed, so the umask does not apply; fchown'ed to `owner` when given), is renamed over
// `name`. A reader sees the old content or the new, never a part; whatever was at `name` (a
// symlink, a hard link to another file) is replaced, never written through. No fsync: this is about
// readers, not crashes. On failure the temporary is removed and `name` is unchanged.
Status write_file_atomically_at(int dir_fd, std::string_view name, std::string_view content,
                                mode_t mode, std::optional<FileOwner> owner = std::nullopt);
// Creates `name` in `dir_fd` with `content`, as write_file_atomically_at fills its temporary, but
// in place: for a directory nobody else has seen yet (a fresh writable layer), where no reader can
// meet a part-written file and anything already at `name` is an error (EEXIST), never replaced or
// followed. Saves the temporary's unlink and the rename. On failure the file is removed.
Status write_new_file_at(int dir_fd, std::string_view name, std::string_view content, mode_t mode,
                         std::optional<FileOwner> owner = std::nullopt);
// The same for a path (its directory must exist), mode 0600 unless given.
Status write_file_atomically(const std::filesystem::path& path, std::string_view content,
                             mode_t mode = 0600);

}  // namespace srcompose::sys
