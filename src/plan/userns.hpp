// SPDX-License-Identifier: GPL-2.0-or-later
// User namespace plan: the id maps written to /proc/PID/{uid,gid}_map.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "spec/lab.hpp"

namespace srcompose::plan {

struct UsernsPlan {
  bool enabled = true;                 // false: idmap = "host", no user namespace
  std::vector<spec::IdRange> uid_map;  // sorted by `inside`
  std::vector<spec::IdRange> gid_map;
  // Host ids of the container's root (inside id 0); what the host sees as owner of files root
  // creates.
  uint32_t root_uid_on_host = 0;
  uint32_t root_gid_on_host = 0;

  // Maps an inside id to the host id, or nullopt when unmapped.
  std::optional<uint32_t> uid_to_host(uint32_t inside) const;
  std::optional<uint32_t> gid_to_host(uint32_t inside) const;
};

// The automatic range of a container: 65536 ids at a base picked deterministically from the project
// and container names in [kAutoIdBase, kAutoIdBase + kAutoIdSlots * 65536), never overlapping the
// ranges of `taken` (other containers of the same lab).
inline constexpr uint32_t kAutoIdBase =
    0x10000000;  // far above /etc/subuid's usual 100000.. ranges
inline constexpr uint32_t kAutoIdSlots = 4096;
spec::IdRange auto_id_range(std::string_view project, std::string_view container,
                            const std::vector<spec::IdRange>& taken);

// The automatic range of each container of `lab` with idmap = "auto" (by name, in file order):
// none overlaps `taken_elsewhere` (what other labs on the host hold), the lab's explicit ranges or
// another of them. With nothing taken elsewhere each container gets the same range run after run.
std::vector<std::pair<std::string, spec::IdRange>> auto_id_ranges(
    const spec::Lab& lab, const std::vector<spec::IdRange>& taken_elsewhere);

// `taken_elsewhere`: the host ranges other labs hold (see auto_id_ranges).
UsernsPlan plan_userns(const spec::Lab& lab, const spec::Container& container,
                       const std::vector<spec::IdRange>& taken_elsewhere = {});

}  // namespace srcompose::plan
