// Process plan: what the container's workload is and who runs it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spec/lab.hpp"

namespace srcompose::plan {

struct ProcessPlan {
  std::vector<std::string> argv;  // never empty
  std::vector<std::string> env;   // "KEY=value": the lab's env plus PATH, HOME, HOSTNAME, TERM
  std::string user;               // as in the lab file; resolved against the rootfs at start
  std::string workdir;
  std::string hostname;
  std::string domainname;
  int stop_signal = 15;
  std::optional<spec::TimeOffsets> time_offsets;
  // Namespaces created for the container (CLONE_NEW* flags). CLONE_NEWCGROUP is entered by the
  // child only after the parent placed it in its cgroup, so that its cgroup root is its own cgroup.
  uint64_t clone_flags = 0;
};

ProcessPlan plan_process(const spec::Lab& lab, const spec::Container& container);

}  // namespace srcompose::plan
