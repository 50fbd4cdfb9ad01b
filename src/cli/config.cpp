#include "cli/config.hpp"

#include <iostream>
#include <optional>

#include "cli/common.hpp"
#include "spec/emit.hpp"
#include "spec/load.hpp"

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
  if (auto checked = check_host_files(*result.lab); !checked) {
    std::cerr << "srcompose: error: " << file.string() << ": " << checked.error().to_string() << '\n';
    return std::nullopt;
  }
  return std::move(result.lab);
}

}  // namespace

int run_config(const std::filesystem::path& file, const GlobalOptions& global,
               const std::string& format) {
  if (format != "toml" && format != "json") {
    std::cerr << "srcompose config: --format " << format << ": expected toml or json\n";
    return 2;
  }
  auto lab = load_or_report(file, global);
  if (!lab) return 1;
  warn_privileged_requests(*lab);
  std::cout << (format == "json" ? spec::to_json(*lab) : spec::to_toml(*lab));
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
