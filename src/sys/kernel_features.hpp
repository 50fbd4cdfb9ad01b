// SPDX-License-Identifier: GPL-2.0-or-later
// What this kernel offers among the interfaces srcompose uses that are newer than its floor
// (Linux 6.1), decided by probing once per process, never by the version number (distributions
// backport; docs/architecture.md lists every interface with its version and fallback).
//
// The decisions are pure functions of the probes' errno values and of the test hook
// SRCOMPOSE_FORCE_FALLBACK, so they are unit-tested; the probes themselves run once, on first use.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace srcompose::sys {

// Interfaces with a fast path and a fallback.
struct KernelFeatures {
  // overlayfs takes a layer as an fd (fsconfig FSCONFIG_SET_FD "lowerdir+", Linux 6.13). Without
  // it the idmapped image is attached in a throwaway mount namespace and named by path.
  bool overlay_lower_fd = false;
  // PIDFD_GET_USER_NAMESPACE / PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE ioctls (Linux 6.11). Without
  // them /proc/PID/ns/* is opened and the pidfd proves the pid was still that process.
  bool pidfd_namespaces = false;
  // statmount(2) (Linux 6.8) with the unique mount ids of statx (STATX_MNT_ID_UNIQUE, 6.8): one
  // mount looked up by id. Without it /proc/self/mountinfo is read through.
  bool statmount = false;
};

// The errno of each probe, 0 where the probe succeeded.
struct FeatureProbes {
  int overlay_lower_fd = 0;  // fsconfig(FSCONFIG_SET_FD, "lowerdir+") on a fresh overlay context
  int pidfd_namespaces = 0;  // ioctl(PIDFD_GET_USER_NAMESPACE) on a pidfd of this process
  int statmount = 0;         // statmount(2) of the mount "/" is on, by its unique id
};

// Names accepted by SRCOMPOSE_FORCE_FALLBACK (comma separated; "all" forces every one).
inline constexpr std::string_view kFallbackNames[] = {"overlay_lower_fd", "pidfd_namespaces",
                                                      "statmount"};

// Parses SRCOMPOSE_FORCE_FALLBACK's value into the names it forces. Unknown names are an error
// (a typo must not silently test the fast path). An empty value forces nothing.
Result<std::vector<std::string>> parse_forced_fallbacks(std::string_view value);

// A feature is used when its probe succeeded and the test hook does not force its fallback.
KernelFeatures decide_features(const FeatureProbes& probes, const std::vector<std::string>& forced);

// The features of the running kernel: probed on first call (needs CAP_SYS_ADMIN for the overlay
// probe; a failed probe means "use the fallback"), then cached. SRCOMPOSE_FORCE_FALLBACK is read
// at the same moment. An invalid SRCOMPOSE_FORCE_FALLBACK is reported by check_kernel_floor().
const KernelFeatures& kernel_features();

// A system call srcompose cannot do without, and the release that brought it.
struct FloorSyscall {
  const char* name;
  long number;
  const char* since;
};
// Of the calls probed, those this kernel answers with ENOSYS (`errors` in the order of `calls`).
std::vector<const FloorSyscall*> missing_syscalls(const std::vector<FloorSyscall>& calls,
                                                  const std::vector<int>& errors);
// The one error for a kernel below the floor, naming every missing call.
Error below_floor_error(const std::vector<const FloorSyscall*>& missing, std::string_view release);

// Ok on a kernel with everything srcompose needs (Linux 6.1 or later, or a backport of the same),
// else one error naming what is missing. Also rejects a malformed SRCOMPOSE_FORCE_FALLBACK.
// Cheap after the first call.
Status check_kernel_floor();

}  // namespace srcompose::sys
