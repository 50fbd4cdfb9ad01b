// SHA-256 (FIPS 180-4), small and dependency-free: names cached images after their content.
#pragma once

#include <array>
#include <cstdint>
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
  void process_block(const uint8_t* block);
  std::array<uint32_t, 8> state_{};
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// Digest of everything readable from `fd` (read from its current offset to the end).
Result<std::string> sha256_fd(int fd, std::string_view name_for_errors);

}  // namespace srcompose::rootfs
