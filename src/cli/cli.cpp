#include "cli/cli.hpp"

#include <CLI/CLI.hpp>

namespace srcompose::cli {

int run(int argc, char** argv) {
  CLI::App app{"srcompose: declarative container labs on one Linux host"};
  app.set_version_flag("--version", SRCOMPOSE_VERSION);
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}

}  // namespace srcompose::cli
