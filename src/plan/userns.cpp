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

// Host ranges already spoken for when `container` gets its automatic range: every explicit range
// of the lab, and the automatic ranges of the containers before it in file order.
std::vector<spec::IdRange> taken_before(const spec::Lab& lab, const spec::Container& container) {
  std::vector<spec::IdRange> taken;
  for (const auto& other : lab.containers) {
    if (&other == &container || other.idmap.mode != spec::IdMapMode::explicit_ranges) continue;
    taken.insert(taken.end(), other.idmap.uid.begin(), other.idmap.uid.end());
    taken.insert(taken.end(), other.idmap.gid.begin(), other.idmap.gid.end());
  }
  for (const auto& other : lab.containers) {
    if (&other == &container) break;
    if (other.idmap.mode == spec::IdMapMode::automatic) {
      taken.push_back(auto_id_range(lab.name, other.name, taken));
    }
  }
  return taken;
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

UsernsPlan plan_userns(const spec::Lab& lab, const spec::Container& container) {
  UsernsPlan plan;
  switch (container.idmap.mode) {
    case spec::IdMapMode::host:
      plan.enabled = false;
      return plan;
    case spec::IdMapMode::automatic: {
      spec::IdRange range = auto_id_range(lab.name, container.name, taken_before(lab, container));
      plan.uid_map = {range};
      plan.gid_map = {range};
      break;
    }
    case spec::IdMapMode::explicit_ranges:
      plan.uid_map = container.idmap.uid;
      plan.gid_map = container.idmap.gid;
      break;
  }
  auto by_inside = [](const spec::IdRange& a, const spec::IdRange& b) {
    return a.inside < b.inside;
  };
  std::sort(plan.uid_map.begin(), plan.uid_map.end(), by_inside);
  std::sort(plan.gid_map.begin(), plan.gid_map.end(), by_inside);
  plan.root_uid_on_host = plan.uid_to_host(0).value_or(kOverflowId);
  plan.root_gid_on_host = plan.gid_to_host(0).value_or(kOverflowId);
  return plan;
}

}  // namespace srcompose::plan
