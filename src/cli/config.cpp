#include "cli/config.hpp"

#include <iostream>

#include "cli/common.hpp"
#include "spec/emit.hpp"
#include "spec/load.hpp"

namespace srcompose::cli {

int run_config(const std::filesystem::path& file, const GlobalOptions& global,
               const std::string& format) {
  if (format != "toml" && format != "json") {
    std::cerr << "srcompose config: --format " << format << ": expected toml or json\n";
    return 2;
  }
  spec::LoadResult result = spec::load_lab_file(file, load_options(global));
  print_warnings(result.warnings);
  if (!result.lab) {
    for (const auto& diagnostic : result.diagnostics)
      std::cerr << diagnostic.to_string() << '\n';
    return 1;
  }
  warn_privileged_requests(*result.lab);
  std::cout << (format == "json" ? spec::to_json(*result.lab) : spec::to_toml(*result.lab));
  std::cout.flush();
  return 0;
}

}  // namespace srcompose::cli
