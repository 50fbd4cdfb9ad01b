// `srcompose config`: validate a lab file and print it normalized.
#pragma once

#include <filesystem>
#include <string>

#include "cli/common.hpp"

namespace srcompose::cli {

// Loads and validates `file` (project name, env files and the environment from `global`), with its
// ${VAR}s substituted; warnings (unset variables) go to stderr. Valid: prints the normalized lab on
// stdout in `format` ("toml" or "json") and returns 0. Invalid: prints every
// diagnostic on stderr, one line each, in file order, and returns 1. An unknown format returns 2.
int run_config(const std::filesystem::path& file, const GlobalOptions& global,
               const std::string& format);

}  // namespace srcompose::cli
