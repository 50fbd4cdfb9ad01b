// SPDX-License-Identifier: GPL-2.0-or-later
// What the command line says about itself, as docker compose does: every --help ends with examples
// and the global options, and a usage error is one line naming the word, then where to read more.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>

namespace srcompose::cli {

// Gives `app` and each of its commands its footer: the command's own note (a footer already set),
// its examples (a command without any is a bug: tests/e2e/cli_errors.bats asks every --help), and,
// for commands that do not declare them themselves, the global options. Call once every command
// is registered.
void finish_help(CLI::App& app);

// Where the first operand of `command` stands among the words from `from` on: the first word that
// is neither one of its options nor an option's value (`-f lab.toml`, `-e X=1`; `--file=lab.toml`
// is one word), found with its own option table; argc when there is none. A "-" or "--" is an
// operand after a command's name (where CLI11 ends options at "--"), and skipped before it.
enum class Dashes { operand, skipped };
int operand_position(const CLI::App& command, int from, int argc, char** argv, Dashes dashes);

// Where the command stands among the words (the first word that is a command's name, skipping the
// global options' values), if it is there.
std::optional<int> command_position(CLI::App& app, int argc, char** argv);

// Prints the usage error for CLI11's `error` in compose's words ("unknown flag: --bogus", "flag
// needs an argument: --file", "unknown command 'upp' (did you mean 'up'?)", ...) and where the
// command's help is. Returns the exit status (1).
int usage_error(CLI::App& app, int argc, char** argv, const CLI::ParseError& error);

}  // namespace srcompose::cli
