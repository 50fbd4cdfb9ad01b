// SPDX-License-Identifier: GPL-2.0-or-later
#include "cgroup/driver.hpp"

#include <string>

#include "cgroup/files.hpp"

namespace srcompose::cgroup {

Status Driver::write_limits(const std::filesystem::path& dir,
                            const std::vector<Controller>& controllers,
                            const ResolvedLimits& resolved) const {
  const spec::Limits& limits = resolved.limits;
  for (auto controller : controllers) {
    Status status;
    switch (controller) {
      case Controller::memory:
        status = write_memory(dir, limits);
        break;
      case Controller::cpu:
        status = write_cpu(dir, limits);
        break;
      case Controller::cpuset:
        status = write_cpuset(dir, limits);
        break;
      case Controller::pids:  // the same file in v1 and v2
        if (limits.pids) status = write_value(dir / "pids.max", std::to_string(*limits.pids));
        break;
      case Controller::io:
        status = write_io(dir, resolved.io);
        break;
      case Controller::cpuacct:
      case Controller::freezer:
      case Controller::devices:  // restrict_devices
        break;
    }
    if (!status) return status;
  }
  return {};
}

const Driver& driver_for(CgroupVersion version) {
  return version == CgroupVersion::v1 ? v1_driver() : v2_driver();
}

}  // namespace srcompose::cgroup
