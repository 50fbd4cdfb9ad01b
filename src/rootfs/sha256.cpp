// SPDX-License-Identifier: GPL-2.0-or-later
#include "rootfs/sha256.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <vector>

namespace srcompose::rootfs {

Sha256::Sha256() {
  sha256_init(&context_);
}

void Sha256::update(const void* data, size_t size) {
  sha256_update(&context_, size, static_cast<const uint8_t*>(data));
}

std::string Sha256::finish_hex() {
  std::array<uint8_t, SHA256_DIGEST_SIZE> digest{};
  sha256_digest(&context_, digest.size(), digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * digest.size());
  for (uint8_t byte : digest) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 0xf];
  }
  return hex;
}

std::string sha256_hex(std::string_view data) {
  Sha256 hash;
  hash.update(data);
  return hash.finish_hex();
}

Result<std::string> sha256_fd(int fd, std::string_view name_for_errors) {
  Sha256 hash;
  std::vector<char> buffer(1 << 16);
  while (true) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::last_errno("read " + std::string(name_for_errors));
    if (n == 0) break;
    hash.update(buffer.data(), static_cast<size_t>(n));
  }
  return hash.finish_hex();
}

}  // namespace srcompose::rootfs
