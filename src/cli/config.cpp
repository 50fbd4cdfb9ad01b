// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/config.hpp"

#include <iostream>
#include <optional>

#include "cli/common.hpp"
#include "plan/lab_plan.hpp"
#include "spec/emit.hpp"
#include "spec/load.hpp"
#include "supervisor/report.hpp"

namespace srcompose::cli {

namespace {

// The lab, or nothing after printing its warnings and every diagnostic on stderr.
std::optional<spec::Lab> load_or_report(const std::filesystem::path& file,
                                        const GlobalOptions& global) {
  spec::LoadResult result = spec::load_lab_file(file, load_options(global));
  print_warnings(result.warnings);
  if (!result.lab) {
    for (const auto& diagnostic : result.diagnostics)
      std::cerr << diagnostic.to_string() << '\n';
    return std::nullopt;
  }
  return std::move(result.lab);
}

std::string ranges_text(const std::vector<spec::IdRange>& ranges) {
  std::string text;
  for (const auto& range : ranges) {
    text += (text.empty() ? "" : ", ") + std::to_string(range.inside) + "->" +
            std::to_string(range.outside) + " (" + std::to_string(range.count) + ")";
  }
  return text.empty() ? "none (idmap = \"host\")" : text;
}

// The id ranges the planner picked (`idmap = "auto"` ones are printed nowhere else before `up`),
// as comments: the output stays a lab file that loads as it is.
std::string id_ranges_comment(const plan::LabPlan& plan) {
  std::string text = "\n# Host id ranges (inside->outside (count)):\n";
  for (const auto& container : plan.containers) {
    text += "# " + container.name + ": uid " + ranges_text(container.userns.uid_map) + "; gid " +
            ranges_text(container.userns.gid_map) + "\n";
  }
  return text;
}

}  // namespace

int run_config(const std::filesystem::path& file, const GlobalOptions& global,
               const std::string& format, bool fingerprint) {
  if (format != "toml" && format != "json") {
    std::cerr << "srcompose config: --format " << format << ": expected toml or json\n";
    return 2;
  }
  auto lab = load_or_report(file, global);
  if (!lab) return 1;
  plan::LabPlan plan = plan::plan_lab(*lab);
  if (fingerprint) {
    auto digest = supervisor::lab_fingerprint(*lab, plan);
    if (!digest) return report_error(digest.error());
    std::cout << *digest << '\n';
    return 0;
  }
  warn_privileged_requests(*lab);
  if (format == "json") {
    std::cout << spec::to_json(*lab);
  } else {
    std::cout << spec::to_toml(*lab) << id_ranges_comment(plan);
  }
  std::cout.flush();
  return 0;
}

int run_config_quiet(const std::filesystem::path& file, const GlobalOptions& global) {
  auto lab = load_or_report(file, global);
  if (!lab) return 1;
  warn_privileged_requests(*lab);
  return 0;
}

int run_config_services(const std::filesystem::path& file, const GlobalOptions& global) {
  auto lab = load_or_report(file, global);
  if (!lab) return 1;
  for (const auto& container : lab->containers)
    std::cout << container.name << '\n';
  std::cout.flush();
  return 0;
}

}  // namespace srcompose::cli
