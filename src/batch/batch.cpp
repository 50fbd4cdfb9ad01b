// SPDX-License-Identifier: GPL-2.0-or-later
#include "batch/batch.hpp"

#include <cstdio>

namespace srcompose::batch {

namespace {

// `EXECUTABLE -f LAB -p PROJECT GLOBALS...`: what every command on an item's instance starts with.
std::vector<std::string> instance_command(const BatchSetup& setup, const Item& item,
                                          const std::string& executable) {
  std::vector<std::string> argv{executable, "-f", setup.lab_file.string(), "-p",
                                project_name(setup.prefix, item)};
  argv.insert(argv.end(), setup.global_arguments.begin(), setup.global_arguments.end());
  return argv;
}

}  // namespace

std::vector<std::string> instance_down_argv(const BatchSetup& setup, const Item& item,
                                            const std::string& executable) {
  auto argv = instance_command(setup, item, executable);
  argv.emplace_back("down");
  return argv;
}

std::vector<std::string> instance_argv(const BatchSetup& setup, const Item& item,
                                       const std::string& executable) {
  auto argv = instance_command(setup, item, executable);
  for (const char* word : {"run", "--no-color", "--results"})
    argv.emplace_back(word);
  argv.push_back((setup.out / item.key).string());
  argv.push_back(setup.run_container);
  return argv;
}

std::vector<std::pair<std::string, std::string>> instance_variables(const Item& item) {
  return {item.variables.begin(), item.variables.end()};
}

std::vector<ItemResult> read_results(const BatchSetup& setup) {
  std::vector<ItemResult> results;
  for (const auto& item : setup.items)
    results.push_back(
        read_item_result(item, project_name(setup.prefix, item), setup.out, setup.run_container));
  return results;
}

std::string describe_result(const ItemResult& result, const std::string& run_container) {
  std::string text = result.item + ": ";
  if (result.outcome == Outcome::failed) return text + "failed: " + result.error;
  if (result.outcome == Outcome::not_run) return text + "not run";
  text += run_container + " exit code " + std::to_string(result.exit_code.value_or(-1)) + " (" +
          result.status + ")";
  if (result.end) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, ", %.1f s",
                  static_cast<double>(result.end->duration_ms) / 1000.0);
    text += seconds;
  }
  return text;
}

}  // namespace srcompose::batch
