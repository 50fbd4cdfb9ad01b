// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: the Docker/OCI seccomp profile reader on arbitrary bytes. A profile file named
// by a lab file is untrusted input; it must come back as a profile or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "security/seccomp_profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  // Alternate between no capabilities and all of them, so that both sides of includes/excludes on
  // "caps" are reached.
  const uint64_t capabilities = (size % 2 == 0) ? 0 : ~uint64_t{0};
  const auto profile = srcompose::security::parse_seccomp_profile(json, capabilities);
  if (!profile) (void)profile.error().to_string();
  return 0;
}
