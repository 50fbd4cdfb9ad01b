// SPDX-License-Identifier: GPL-2.0-or-later
// nettle's functions that srcompose calls (SHA-256 of images and lab files), loaded at first use
// (see sys/shared_library.hpp): `auto nettle = sys::loaded_functions<rootfs::LibNettle>();`.
#pragma once

#include <nettle/sha2.h>
#include <nettle/version.h>

#include "sys/shared_library.hpp"

namespace srcompose::rootfs {

// The nettle_ names: <nettle/sha2.h> defines sha256_init and the others as macros for them.
#define SRCOMPOSE_LIBNETTLE_FUNCTIONS(F) \
  F(nettle_version_major)                \
  F(nettle_version_minor)                \
  F(nettle_sha256_init)                  \
  F(nettle_sha256_update)                \
  F(nettle_sha256_digest)

struct LibNettle {
  static constexpr const char* kSoname = "libnettle.so.8";
  SRCOMPOSE_LIBRARY_FUNCTIONS(SRCOMPOSE_LIBNETTLE_FUNCTIONS)
};

}  // namespace srcompose::rootfs
