// SPDX-License-Identifier: GPL-2.0-or-later
// Shell completion. `srcompose completion bash|zsh|fish` prints a small script that, at each TAB,
// runs `srcompose __complete WORD...` and shows what it answers: the candidates are computed from
// the CLI11 app itself (its commands, options, value types and choices), so they stay true as
// commands are added, plus container names from the lab file and project names from the state root.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace srcompose::cli {

// The hidden command the scripts call; run() hands it over before CLI11 parses anything.
inline constexpr const char* kCompleteCommand = "__complete";

// `srcompose __complete WORD...`: WORDs are the command line after `srcompose`, the last being the
// word under the cursor (possibly empty). Prints what the scripts read: a first line `words`,
// `files` or `dirs` (let the shell complete paths), then one candidate a line, as
// "CANDIDATE<TAB>DESCRIPTION". Never fails: anything it cannot resolve (no lab file, a broken one)
// gives no candidates. Returns 0.
int run_complete(const CLI::App& app, const std::vector<std::string>& words);

// `srcompose completion SHELL`: prints the script for bash, zsh or fish. Returns 0.
int run_completion(const std::string& shell);

}  // namespace srcompose::cli
