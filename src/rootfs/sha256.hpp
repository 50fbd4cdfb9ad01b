// SPDX-License-Identifier: GPL-2.0-or-later
// SHA-256 of image content: cached images are named after it. The hashing itself is nettle's, not
// code of ours, loaded at first use (see libnettle.hpp).
#pragma once

#include <nettle/sha2.h>

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace srcompose::rootfs {

struct LibNettle;

class Sha256 {
 public:
  // Fails only when nettle cannot be loaded.
  static Result<Sha256> create();
  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // The digest as 64 lowercase hex characters. Call once; the object is spent afterwards.
  std::string finish_hex();

 private:
  explicit Sha256(const LibNettle& nettle);

  const LibNettle* nettle_;
  sha256_ctx context_{};
};

// Digest of `data`, as finish_hex gives it.
Result<std::string> sha256_hex(std::string_view data);

// Digest of everything readable from `fd` (read from its current offset to the end).
Result<std::string> sha256_fd(int fd, std::string_view name_for_errors);

}  // namespace srcompose::rootfs
