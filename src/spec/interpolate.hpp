// SPDX-License-Identifier: GPL-2.0-or-later
// Variables in lab files, as docker compose has them: `${VAR}`, `${VAR:-default}`,
// `${VAR-default}`,
// `${VAR:?message}`, `${VAR?message}`, `${VAR:+replacement}`, `${VAR+replacement}`, `$VAR` and `$$`
// (a literal `$`), in every string value of the file (never in keys). Pure code.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace srcompose::spec {

using Variables = std::map<std::string, std::string, std::less<>>;

struct Interpolated {
  std::string text;
  std::optional<std::string> error;  // set: the value is unusable (required variable, bad syntax)
  std::set<std::string> unset;       // variables used without a default that are not set ("")
  std::set<std::string> used;        // every variable the text looked up, set or not
};

// A variable's name, as a shell and compose take it: ASCII letters, digits and '_', not starting
// with a digit (a lab file's `${NAME}`, an env file's NAME=, a batch CSV header).
bool is_variable_name(std::string_view name);

// Substitutes the variables in `text`. Defaults and messages may hold variables themselves.
Interpolated interpolate(std::string_view text, const Variables& variables);

// One mistake in an env file, with its 1-based line.
struct EnvFileError {
  unsigned line = 0;
  std::string message;
};

// Parses an env file as compose reads `.env`: `KEY=VALUE` lines, blank lines and `#` comments, an
// optional `export ` prefix, values in single quotes (literal) or double quotes (\n, \t, \\, \",
// \$ escapes), unquoted values trimmed and cut at ` #`. Later keys win. Values are not
// interpolated.
struct EnvFile {
  Variables variables;
  std::vector<EnvFileError> errors;
};
EnvFile parse_env_file(std::string_view text);

// The same format, written back: each variable on one line, double-quoted and escaped, so that
// parse_env_file(format_env_file(v)).variables == v.
std::string format_env_file(const Variables& variables);

}  // namespace srcompose::spec
