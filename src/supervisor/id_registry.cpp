// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/id_registry.hpp"

#include <sstream>
#include <string>
#include <vector>

#include "spec/load.hpp"
#include "supervisor/host_registry.hpp"

namespace srcompose::supervisor {
namespace {

constexpr const char* kRegistry = "id-ranges";

struct Entry {
  std::string project;
  spec::IdRange range;
};

// "PROJECT FIRST COUNT".
std::optional<Entry> parse_entry(const std::string& line) {
  std::istringstream fields(line);
  Entry entry;
  uint64_t first = 0, count = 0;
  if (!(fields >> entry.project >> first >> count) || !spec::is_project_name(entry.project) ||
      count == 0 || first + count > (uint64_t{1} << 32)) {
    return std::nullopt;
  }
  entry.range = spec::IdRange{0, static_cast<uint32_t>(first), static_cast<uint32_t>(count)};
  return entry;
}

std::string format_entry(const Entry& entry) {
  return entry.project + " " + std::to_string(entry.range.outside) + " " +
         std::to_string(entry.range.count);
}

}  // namespace

Result<plan::LabPlan> plan_with_id_ranges(const StatePaths& paths, const spec::Lab& lab,
                                          plan::PlanInputs inputs) {
  auto registry = LockedRegistry::lock(paths, kRegistry, /*create=*/true);
  if (!registry) return std::move(registry).error().context("id range registry");
  auto entries = registry->read_entries(parse_entry);
  if (!entries) return std::move(entries).error().context("id range registry");
  std::vector<Entry> kept;
  for (auto& entry : *entries) {
    if (entry.project == paths.project || !registry->project_is_up(entry.project)) continue;
    inputs.taken_id_ranges.push_back(entry.range);
    kept.push_back(std::move(entry));
  }
  plan::LabPlan plan = plan::plan_lab(lab, inputs);
  for (const auto& range : plan::host_id_ranges(plan))
    kept.push_back({paths.project, range});
  if (auto status = registry->write_entries(kept, format_entry); !status)
    return std::move(status).error().context("id range registry");
  return plan;
}

Status release_id_ranges(const StatePaths& paths) {
  auto registry = LockedRegistry::lock(paths, kRegistry, /*create=*/false);
  if (!registry) return std::move(registry).error().context("id range registry");
  if (!registry->exists()) return {};
  auto entries = registry->read_entries(parse_entry);
  if (!entries) return std::move(entries).error().context("id range registry");
  std::erase_if(*entries, [&](const Entry& entry) { return entry.project == paths.project; });
  if (auto status = registry->write_entries(*entries, format_entry); !status)
    return std::move(status).error().context("id range registry");
  return {};
}

}  // namespace srcompose::supervisor
