// SPDX-License-Identifier: GPL-2.0-or-later
#include "rootfs/digest_memo.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdint>

#include "common/unique_fd.hpp"
#include "rootfs/sha256.hpp"
#include "sys/file_io.hpp"

namespace srcompose::rootfs {
namespace {

int64_t nanoseconds(const timespec& time) {
  return int64_t{time.tv_sec} * 1'000'000'000 + time.tv_nsec;
}

// One memo per file (device and inode in the name); its content is the rest of the identity and
// the digest: "<size> <mtime ns> <ctime ns> <64 hex>".
std::string memo_name(const struct stat& file) {
  return "digest-" + std::to_string(file.st_dev) + "-" + std::to_string(file.st_ino);
}

std::string memo_identity(const struct stat& file) {
  return std::to_string(file.st_size) + " " + std::to_string(nanoseconds(file.st_mtim)) + " " +
         std::to_string(nanoseconds(file.st_ctim)) + " ";
}

constexpr size_t kHexLength = 64;

bool is_hex_digest(std::string_view text) {
  if (text.size() != kHexLength) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The remembered digest, or "" (no memo, another identity, a memo someone else could have put).
std::string read_memo(const std::filesystem::path& memo, const std::string& identity) {
  UniqueFd fd(::open(memo.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return "";
  struct stat status {};
  if (::fstat(fd.get(), &status) < 0 || !S_ISREG(status.st_mode) || status.st_uid != ::geteuid() ||
      (status.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return "";
  }
  std::array<char, 128> buffer{};
  ssize_t length = ::read(fd.get(), buffer.data(), buffer.size());
  if (length <= 0) return "";
  std::string_view text(buffer.data(), static_cast<size_t>(length));
  if (!text.starts_with(identity)) return "";
  text.remove_prefix(identity.size());
  if (text.ends_with('\n')) text.remove_suffix(1);
  return is_hex_digest(text) ? std::string(text) : "";
}

}  // namespace

Result<std::string> remembered_sha256(int fd, std::string_view name_for_errors,
                                      const std::filesystem::path& memo_dir) {
  struct stat file {};
  if (::fstat(fd, &file) < 0) return Error::last_errno("stat " + std::string(name_for_errors));
  const std::filesystem::path memo = memo_dir / memo_name(file);
  const std::string identity = memo_identity(file);
  if (std::string digest = read_memo(memo, identity); !digest.empty()) return digest;
  if (::lseek(fd, 0, SEEK_SET) < 0)
    return Error::last_errno("lseek " + std::string(name_for_errors));
  auto digest = sha256_fd(fd, name_for_errors);
  if (!digest) return digest;
  // Best effort: without a memo the next start hashes again.
  (void)sys::write_file_atomically(memo, identity + *digest + "\n", 0600);
  return digest;
}

}  // namespace srcompose::rootfs
