// SPDX-License-Identifier: GPL-2.0-or-later
// SHA-256 of image content: cached images are named after it. The hashing itself is nettle's, not
// code of ours, linked in statically (CMakeLists.txt: every `up` and `run` hashes its lab file, and
// loading the library at run time cost each a quarter of a millisecond).
#pragma once

#include <nettle/sha2.h>

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace srcompose::rootfs {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // The digest as 64 lowercase hex characters. Call once; the object is spent afterwards.
  std::string finish_hex();

 private:
  sha256_ctx context_{};
};

// Digest of `data`, as finish_hex gives it.
std::string sha256_hex(std::string_view data);

// Digest of everything readable from `fd` (read from its current offset to the end).
Result<std::string> sha256_fd(int fd, std::string_view name_for_errors);

}  // namespace srcompose::rootfs
