// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/file_io.hpp"

#include <fcntl.h>
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

}  // namespace srcompose::sys
