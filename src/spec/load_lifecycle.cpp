// SPDX-License-Identifier: GPL-2.0-or-later
// [containers.NAME]: the keys of when it starts and how it is watched (depends_on, healthcheck).
#include <algorithm>
#include <array>

#include "spec/loader.hpp"
#include "spec/values.hpp"

namespace srcompose::spec::detail {
namespace {

constexpr std::array<std::string_view, 1> kDependencyKeys{"condition"};
constexpr std::array<std::string_view, 5> kHealthcheckKeys{"command", "interval", "timeout",
                                                           "start_period", "retries"};

}  // namespace

void read_depends_on(LoadContext& context, const toml::node& node, std::string_view path,
                     Container& container, ContainerSource& source) {
  Reader& reader = context.reader;
  if (const auto* names = node.as_array()) {
    for (size_t i = 0; i < names->size(); ++i) {
      if (auto name = reader.string((*names)[i], join_index(path, i))) {
        container.depends_on.push_back(Dependency{*name, DependencyCondition::started});
        source.depends_on.push_back(reader.at((*names)[i]));
      }
    }
    return;
  }
  const auto* table = reader.table_or_error(
      node, path,
      "expected an array of container names or a table name -> { condition = \"...\" }");
  if (table == nullptr) return;
  for (const auto& entry : Reader::in_file_order(*table)) {
    std::string key_path = join_key(path, entry.key->str());
    const auto* settings = reader.table(*entry.node, key_path, kDependencyKeys);
    if (settings == nullptr) continue;
    Dependency dependency{std::string(entry.key->str()), DependencyCondition::started};
    if (const toml::node* condition = settings->get("condition")) {
      std::string condition_path = join_key(key_path, "condition");
      auto text = reader.string(*condition, condition_path);
      if (text == "started") {
        dependency.condition = DependencyCondition::started;
      } else if (text == "healthy") {
        dependency.condition = DependencyCondition::healthy;
      } else if (text == "completed_successfully") {
        dependency.condition = DependencyCondition::completed_successfully;
      } else if (text) {
        reader.error(*condition, condition_path,
                     "found " + describe(*condition) +
                         "; expected \"started\", \"healthy\" or \"completed_successfully\"");
      }
    }
    container.depends_on.push_back(std::move(dependency));
    source.depends_on.push_back(reader.at(*entry.key));
  }
}

void read_healthcheck(LoadContext& context, const toml::node& node, std::string_view path,
                      Container& container) {
  Reader& reader = context.reader;
  const auto* table = reader.table(node, path, kHealthcheckKeys);
  if (table == nullptr) return;
  Healthcheck healthcheck;
  if (const toml::node* command = table->get("command")) {
    if (auto argv = reader.command(*command, join_key(path, "command")))
      healthcheck.command = *argv;
  } else {
    reader.error(node, std::string(path), "found no `command`; expected the command to run");
  }
  auto positive_duration = [&](std::string_view key, Milliseconds& out, bool zero_ok) {
    const toml::node* value = table->get(key);
    if (value == nullptr) return;
    std::string key_path = join_key(path, key);
    auto duration = read_duration(reader, *value, key_path);
    if (!duration) return;
    if (!zero_ok && duration->count() == 0) {
      reader.error(*value, key_path, "found " + describe(*value) + "; expected a duration above 0");
      return;
    }
    out = *duration;
  };
  positive_duration("interval", healthcheck.interval, false);
  positive_duration("timeout", healthcheck.timeout, false);
  positive_duration("start_period", healthcheck.start_period, true);
  if (const toml::node* retries = table->get("retries")) {
    if (auto value = reader.integer_in(*retries, join_key(path, "retries"), 1, 1'000'000)) {
      healthcheck.retries = static_cast<uint32_t>(*value);
    }
  }
  container.healthcheck = std::move(healthcheck);
}

}  // namespace srcompose::spec::detail
