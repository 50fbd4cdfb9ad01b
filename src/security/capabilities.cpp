// SPDX-License-Identifier: GPL-2.0-or-later
#include "security/capabilities.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace srcompose::security {

int apply_capabilities(uint64_t keep) {
  // The highest capability this kernel knows, found with PR_CAPBSET_READ until EINVAL instead of
  // reading /proc/sys/kernel/cap_last_cap: no file, no allocation, and /proc may not be mounted
  // yet.
  unsigned last_cap = 0;
  for (unsigned cap = 0; cap < 64; ++cap) {
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) {
      if (errno != EINVAL) return errno;
      break;
    }
    last_cap = cap;
  }
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  // After setresuid to a non-root uid (with PR_SET_KEEPCAPS) the effective set is empty while the
  // permitted set is kept: raise effective to permitted first, or PR_CAPBSET_DROP (which needs
  // CAP_SETPCAP in effective) would fail.
  if (::syscall(SYS_capget, &header, data) < 0) return errno;
  data[0].effective = data[0].permitted;
  data[1].effective = data[1].permitted;
  if (::syscall(SYS_capset, &header, data) < 0) return errno;

  // Bounding set next: dropping needs CAP_SETPCAP, which the capset below may remove.
  for (unsigned cap = 0; cap <= last_cap; ++cap) {
    if ((keep >> cap) & 1U) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) return errno;
  }
  // Bits the kernel does not know would make capset fail with EPERM on an older kernel.
  const uint64_t known = last_cap >= 63 ? ~uint64_t{0} : (uint64_t{1} << (last_cap + 1)) - 1;
  keep &= known;

  data[0].inheritable = data[1].inheritable = 0;
  data[0].permitted = data[0].effective = static_cast<uint32_t>(keep);
  data[1].permitted = data[1].effective = static_cast<uint32_t>(keep >> 32);
  // Inheritable stays 0: with it and ambient empty, an exec'd non-root workload gets no capability
  // at all, and root gets at most the bounding set.
  if (::syscall(SYS_capset, &header, data) < 0) return errno;

  // Lowering permitted already clears ambient bits that are not kept; clear the rest explicitly.
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) return errno;
  return 0;
}

int set_no_new_privs() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return errno;
  return 0;
}

}  // namespace srcompose::security
