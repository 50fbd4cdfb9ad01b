// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime/ulimits.hpp"

#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace srcompose::runtime {

namespace {

bool has_sys_resource() {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (::syscall(SYS_capget, &header, data) < 0) return false;
  return (data[CAP_TO_INDEX(CAP_SYS_RESOURCE)].effective & CAP_TO_MASK(CAP_SYS_RESOURCE)) != 0;
}

std::string limit_text(uint64_t value) {
  return value == RLIM_INFINITY ? "unlimited" : std::to_string(value);
}

}  // namespace

Status check_ulimits(const std::vector<spec::Ulimit>& ulimits) {
  if (ulimits.empty() || has_sys_resource()) return {};
  for (const auto& ulimit : ulimits) {
    rlimit current{};
    if (::getrlimit(static_cast<__rlimit_resource>(ulimit.resource), &current) < 0) {
      return Error::last_errno("getrlimit").context("ulimits." + ulimit.name);
    }
    uint64_t hard = ulimit.hard == UINT64_MAX ? RLIM_INFINITY : ulimit.hard;
    if (current.rlim_max != RLIM_INFINITY && hard > current.rlim_max) {
      return Error::message("hard limit " + limit_text(hard) + " is above this host's " +
                            limit_text(current.rlim_max) +
                            " (raising it needs CAP_SYS_RESOURCE, which srcompose lacks here)")
          .context("ulimits." + ulimit.name);
    }
  }
  return {};
}

}  // namespace srcompose::runtime
