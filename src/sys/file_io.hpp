// SPDX-License-Identifier: GPL-2.0-or-later
// Reading a file or a pipe whole: the one loop of read(2) calls (EINTR retried, a size cap) that
// the modules share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
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

}  // namespace srcompose::sys
