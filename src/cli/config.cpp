#include "cli/config.hpp"

#include <iostream>

#include "spec/emit.hpp"
#include "spec/load.hpp"

namespace srcompose::cli {

int run_config(const std::filesystem::path& file, const std::string& project_override,
               const std::string& format) {
  if (format != "toml" && format != "json") {
    std::cerr << "srcompose config: --format " << format << ": expected toml or json\n";
    return 2;
  }
  spec::LoadOptions options;
  options.project_name = project_override;
  spec::LoadResult result = spec::load_lab_file(file, options);
  if (!result.lab) {
    for (const auto& diagnostic : result.diagnostics)
      std::cerr << diagnostic.to_string() << '\n';
    return 1;
  }
  std::cout << (format == "json" ? spec::to_json(*result.lab) : spec::to_toml(*result.lab));
  std::cout.flush();
  return 0;
}

}  // namespace srcompose::cli
