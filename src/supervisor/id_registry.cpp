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

// Lines that do not parse are dropped: a registry cut short by a crash costs at most a re-pick.
Result<std::vector<Entry>> read_entries(const LockedRegistry& registry) {
  auto lines = registry.read_lines();
  if (!lines) return std::move(lines).error();
  std::vector<Entry> entries;
  for (const auto& line : *lines) {
    std::istringstream fields(line);
    Entry entry;
    uint64_t first = 0, count = 0;
    if (!(fields >> entry.project >> first >> count) || !spec::is_project_name(entry.project) ||
        count == 0 || first + count > (uint64_t{1} << 32)) {
      continue;
    }
    entry.range = spec::IdRange{0, static_cast<uint32_t>(first), static_cast<uint32_t>(count)};
    entries.push_back(std::move(entry));
  }
  return entries;
}

Status write_entries(const LockedRegistry& registry, const std::vector<Entry>& entries) {
  std::string text;
  for (const auto& entry : entries) {
    text += entry.project + " " + std::to_string(entry.range.outside) + " " +
            std::to_string(entry.range.count) + "\n";
  }
  return registry.write(text);
}

}  // namespace

Result<plan::LabPlan> plan_with_id_ranges(const StatePaths& paths, const spec::Lab& lab,
                                          plan::PlanInputs inputs) {
  auto registry = LockedRegistry::lock(paths, kRegistry, /*create=*/true);
  if (!registry) return std::move(registry).error().context("id range registry");
  auto entries = read_entries(*registry);
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
  if (auto status = write_entries(*registry, kept); !status)
    return std::move(status).error().context("id range registry");
  return plan;
}

Status release_id_ranges(const StatePaths& paths) {
  auto registry = LockedRegistry::lock(paths, kRegistry, /*create=*/false);
  if (!registry) return std::move(registry).error().context("id range registry");
  if (!registry->exists()) return {};
  auto entries = read_entries(*registry);
  if (!entries) return std::move(entries).error().context("id range registry");
  std::erase_if(*entries, [&](const Entry& entry) { return entry.project == paths.project; });
  if (auto status = write_entries(*registry, *entries); !status)
    return std::move(status).error().context("id range registry");
  return {};
}

}  // namespace srcompose::supervisor
