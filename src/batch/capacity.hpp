// SPDX-License-Identifier: GPL-2.0-or-later
// How many instances of a lab this host runs at once when `srcompose batch` is given no -j: what
// its CPUs and memory allow for the lab's limits.
#pragma once

#include <cstdint>

#include "spec/lab.hpp"

namespace srcompose::batch {

struct HostCapacity {
  unsigned cpus = 1;              // usable by this process (sched_getaffinity)
  uint64_t memory_available = 0;  // bytes, /proc/meminfo MemAvailable; 0 when unknown
};

// Reads this host's capacity.
HostCapacity host_capacity();

// One instance needs the sum of its containers' `cpus` limits (1 CPU when no container has one) and
// the sum of their `memory` limits (unknown, so not counted, when none has one). The answer is how
// many such instances fit, at least 1. Pure.
unsigned default_jobs(const spec::Lab& lab, const HostCapacity& host);

}  // namespace srcompose::batch
