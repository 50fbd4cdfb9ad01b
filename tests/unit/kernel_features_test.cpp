// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include <cerrno>

#include "sys/kernel_features.hpp"

using namespace srcompose;

TEST_CASE("kernel features: a probe that succeeded is used, any errno means the fallback") {
  sys::FeatureProbes probes;
  auto features = sys::decide_features(probes, {});
  CHECK(features.overlay_lower_fd);
  CHECK(features.pidfd_namespaces);
  CHECK(features.statmount);

  probes.overlay_lower_fd = EINVAL;  // 6.1 - 6.12: no layer by fd
  probes.pidfd_namespaces = ENOTTY;  // before 6.11: a pidfd has no ioctls
  probes.statmount = EINVAL;         // before 6.8: statx has no unique mount id
  features = sys::decide_features(probes, {});
  CHECK_FALSE(features.overlay_lower_fd);
  CHECK_FALSE(features.pidfd_namespaces);
  CHECK_FALSE(features.statmount);

  probes.overlay_lower_fd = ENODEV;  // no overlay module: the fallback, whose mount then fails
  probes.pidfd_namespaces = 0;
  features = sys::decide_features(probes, {});
  CHECK_FALSE(features.overlay_lower_fd);
  CHECK(features.pidfd_namespaces);
}

TEST_CASE("kernel features: SRCOMPOSE_FORCE_FALLBACK forces fallbacks by name") {
  sys::FeatureProbes all_present;
  auto forced = sys::parse_forced_fallbacks("pidfd_namespaces");
  REQUIRE(forced);
  auto features = sys::decide_features(all_present, *forced);
  CHECK(features.overlay_lower_fd);
  CHECK_FALSE(features.pidfd_namespaces);
  CHECK(features.statmount);

  forced = sys::parse_forced_fallbacks("statmount");
  REQUIRE(forced);
  features = sys::decide_features(all_present, *forced);
  CHECK(features.pidfd_namespaces);
  CHECK_FALSE(features.statmount);

  forced = sys::parse_forced_fallbacks("all");
  REQUIRE(forced);
  CHECK(forced->size() == std::size(sys::kFallbackNames));
  features = sys::decide_features(all_present, *forced);
  CHECK_FALSE(features.overlay_lower_fd);
  CHECK_FALSE(features.pidfd_namespaces);
  CHECK_FALSE(features.statmount);

  forced = sys::parse_forced_fallbacks("overlay_lower_fd,,pidfd_namespaces,overlay_lower_fd");
  REQUIRE(forced);
  CHECK(forced->size() == 2);

  forced = sys::parse_forced_fallbacks("");
  REQUIRE(forced);
  CHECK(forced->empty());
}

TEST_CASE("kernel features: a misspelt fallback is an error naming it and the known ones") {
  auto forced = sys::parse_forced_fallbacks("overlay,pidfd_namespaces");
  REQUIRE_FALSE(forced);
  const std::string text = forced.error().to_string();
  CHECK(text.find("SRCOMPOSE_FORCE_FALLBACK") != std::string::npos);
  CHECK(text.find("\"overlay\"") != std::string::npos);
  CHECK(text.find("overlay_lower_fd") != std::string::npos);
}

TEST_CASE("kernel floor: only ENOSYS counts as missing, and the error names each call") {
  const std::vector<sys::FloorSyscall> calls = {
      {"clone3", 435, "5.3"}, {"openat2", 437, "5.6"}, {"mount_setattr", 442, "5.12"}};
  CHECK(sys::missing_syscalls(calls, {EINVAL, EBADF, EFAULT}).empty());
  CHECK(sys::missing_syscalls(calls, {EPERM, EINVAL, EINVAL}).empty());
  auto missing = sys::missing_syscalls(calls, {EINVAL, ENOSYS, ENOSYS});
  REQUIRE(missing.size() == 2);
  CHECK(std::string(missing[0]->name) == "openat2");
  const std::string text = sys::below_floor_error(missing, "5.4.0-1").to_string();
  CHECK(text ==
        "this kernel (5.4.0-1) lacks openat2 (Linux 5.6), mount_setattr (Linux 5.12); srcompose "
        "needs Linux 6.1 or later");
}
