// `srcompose config`: validate a lab file and print it normalized.
#pragma once

#include <filesystem>
#include <string>

namespace srcompose::cli {

// Loads and validates `file` (project name from `project_override` when not empty). Valid: prints
// the normalized lab on stdout in `format` ("toml" or "json") and returns 0. Invalid: prints every
// diagnostic on stderr, one line each, in file order, and returns 1. An unknown format returns 2.
int run_config(const std::filesystem::path& file, const std::string& project_override,
               const std::string& format);

}  // namespace srcompose::cli
