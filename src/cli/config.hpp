// SPDX-License-Identifier: GPL-2.0-or-later
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
// With `fingerprint`, prints only the lab's fingerprint (supervisor::lab_fingerprint).
int run_config(const std::filesystem::path& file, const GlobalOptions& global,
               const std::string& format, bool fingerprint = false);

// `config -q`: as run_config, but prints nothing on stdout: only the exit status (and, on stderr,
// the diagnostics and warnings) say whether the file is valid.
int run_config_quiet(const std::filesystem::path& file, const GlobalOptions& global);

// `config --services`: as run_config, but prints only the container names, one a line, in file
// order (for scripts, and as `docker compose config --services` does).
int run_config_services(const std::filesystem::path& file, const GlobalOptions& global);

}  // namespace srcompose::cli
