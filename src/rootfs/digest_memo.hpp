// SPDX-License-Identifier: GPL-2.0-or-later
// File digests remembered across runs. Every `up` and `run` names its images by the SHA-256 of
// their source (a tarball, the host's busybox), and every container start asks again: hashing it
// each time cost 1.5 ms for busybox (2 MB), and a second for a 1 GB tarball; the memo costs a
// small file's read. A memo file in the image cache keeps the digest with the file's identity
// (device, inode, size, mtime, ctime): git's index trusts the same fields.
// ctime cannot be set from user space, so a file changed in place (even with its mtime put back)
// is hashed again.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace srcompose::rootfs {

// The digest of the regular file open as `fd` (read from offset 0), from the memo in `memo_dir`
// when it matches the file's identity; else hashed, and the memo (re)written there. A memo is
// only trusted when it is owned by the calling user and writable by nobody else; a memo that
// cannot be read or written (a user without access to the cache) only costs the hashing.
// `name_for_errors` names the file in errors.
Result<std::string> remembered_sha256(int fd, std::string_view name_for_errors,
                                      const std::filesystem::path& memo_dir);

}  // namespace srcompose::rootfs
