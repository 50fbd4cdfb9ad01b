// SPDX-License-Identifier: GPL-2.0-or-later
// SHA-256 of image content: cached images are named after it. The hashing itself is nettle's (the
// library libarchive already loads), not code of ours.
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

// Digest of everything readable from `fd` (read from its current offset to the end).
Result<std::string> sha256_fd(int fd, std::string_view name_for_errors);

}  // namespace srcompose::rootfs
