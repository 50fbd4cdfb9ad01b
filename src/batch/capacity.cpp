// SPDX-License-Identifier: GPL-2.0-or-later
#include "batch/capacity.hpp"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

namespace srcompose::batch {

HostCapacity host_capacity() {
  HostCapacity host;
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) == 0)
    host.cpus = static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") {
      host.memory_available = kib * 1024;
      break;
    }
  }
  return host;
}

unsigned default_jobs(const spec::Lab& lab, const HostCapacity& host) {
  double cpus = 0;
  uint64_t memory = 0;
  for (const auto& container : lab.containers) {
    cpus += container.limits.cpus.value_or(0);
    memory += container.limits.memory.value_or(0);
  }
  if (cpus <= 0) cpus = 1;
  auto by_cpu = static_cast<uint64_t>(std::floor(host.cpus / cpus + 1e-9));
  uint64_t jobs = by_cpu;
  if (memory > 0 && host.memory_available > 0)
    jobs = std::min(jobs, host.memory_available / memory);
  return static_cast<unsigned>(std::clamp<uint64_t>(jobs, 1, 1024));
}

}  // namespace srcompose::batch
