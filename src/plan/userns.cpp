// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/userns.hpp"

#include <algorithm>

#include "spec/values.hpp"

namespace srcompose::plan {
namespace {

constexpr uint32_t kAutoIdCount = 65536;
// What the kernel shows for an unmapped id (/proc/sys/kernel/overflowuid).
constexpr uint32_t kOverflowId = 65534;

std::optional<uint32_t> to_host(const std::vector<spec::IdRange>& map, uint32_t inside) {
  for (const auto& range : map) {
    if (inside >= range.inside && uint64_t{inside} < uint64_t{range.inside} + range.count) {
      return range.outside + (inside - range.inside);
    }
  }
  return std::nullopt;
}

bool overlaps(const spec::IdRange& a, const spec::IdRange& b) {
  return uint64_t{a.outside} < uint64_t{b.outside} + b.count &&
         uint64_t{b.outside} < uint64_t{a.outside} + a.count;
}

void sort_maps(UsernsPlan& plan) {
  auto by_inside = [](const spec::IdRange& a, const spec::IdRange& b) {
    return a.inside < b.inside;
  };
  std::sort(plan.uid_map.begin(), plan.uid_map.end(), by_inside);
  std::sort(plan.gid_map.begin(), plan.gid_map.end(), by_inside);
  plan.root_uid_on_host = plan.uid_to_host(0).value_or(kOverflowId);
  plan.root_gid_on_host = plan.gid_to_host(0).value_or(kOverflowId);
}

}  // namespace

std::optional<uint32_t> UsernsPlan::uid_to_host(uint32_t inside) const {
  if (!enabled) return inside;
  return to_host(uid_map, inside);
}

std::optional<uint32_t> UsernsPlan::gid_to_host(uint32_t inside) const {
  if (!enabled) return inside;
  return to_host(gid_map, inside);
}

// The hash gives each (project, container) its own home slot, so that a container keeps its ids
// from one `up` to the next (files in a persisted layer stay owned by it); linear probing settles
// the rare collision in file order.
spec::IdRange auto_id_range(std::string_view project, std::string_view container,
                            const std::vector<spec::IdRange>& taken) {
  uint64_t hash = spec::fnv1a(container, spec::fnv1a(std::string(project) + '\0'));
  uint32_t home = static_cast<uint32_t>(hash % kAutoIdSlots);
  for (uint32_t probe = 0; probe < kAutoIdSlots; ++probe) {
    uint32_t slot = (home + probe) % kAutoIdSlots;
    spec::IdRange candidate{0, kAutoIdBase + slot * kAutoIdCount, kAutoIdCount};
    if (std::none_of(taken.begin(), taken.end(),
                     [&](const spec::IdRange& range) { return overlaps(candidate, range); })) {
      return candidate;
    }
  }
  return spec::IdRange{0, kAutoIdBase + home * kAutoIdCount, kAutoIdCount};
}

// Every explicit range of the lab first, then the automatic ones in file order: adding a container
// at the end of the file moves nobody.
std::vector<std::pair<std::string, spec::IdRange>> auto_id_ranges(
    const spec::Lab& lab, const std::vector<spec::IdRange>& taken_elsewhere) {
  std::vector<spec::IdRange> taken = taken_elsewhere;
  for (const auto& container : lab.containers) {
    if (container.idmap.mode != spec::IdMapMode::explicit_ranges) continue;
    taken.insert(taken.end(), container.idmap.uid.begin(), container.idmap.uid.end());
    taken.insert(taken.end(), container.idmap.gid.begin(), container.idmap.gid.end());
  }
  std::vector<std::pair<std::string, spec::IdRange>> ranges;
  for (const auto& container : lab.containers) {
    if (container.idmap.mode != spec::IdMapMode::automatic) continue;
    ranges.emplace_back(container.name, auto_id_range(lab.name, container.name, taken));
    taken.push_back(ranges.back().second);
  }
  return ranges;
}

namespace {

// Maps inside ids 0.. to `range` for uids and gids alike.
void use_auto_id_range(UsernsPlan& plan, const spec::IdRange& range) {
  plan.uid_map = {range};
  plan.gid_map = {range};
  sort_maps(plan);
}

}  // namespace

UsernsPlan plan_userns(const spec::Lab& lab, const spec::Container& container,
                       const std::vector<spec::IdRange>& taken_elsewhere) {
  UsernsPlan plan;
  switch (container.idmap.mode) {
    case spec::IdMapMode::host:
      plan.enabled = false;
      return plan;
    case spec::IdMapMode::automatic:
      for (const auto& [name, range] : auto_id_ranges(lab, taken_elsewhere)) {
        if (name == container.name) use_auto_id_range(plan, range);
      }
      return plan;
    case spec::IdMapMode::explicit_ranges:
      plan.uid_map = container.idmap.uid;
      plan.gid_map = container.idmap.gid;
      break;
  }
  sort_maps(plan);
  return plan;
}

}  // namespace srcompose::plan
