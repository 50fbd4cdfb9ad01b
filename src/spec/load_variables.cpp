// SPDX-License-Identifier: GPL-2.0-or-later
// interpolate_document: compose's variables over a parsed lab file (see spec/interpolate.hpp).
#include <cstring>

#include "spec/loader.hpp"

namespace srcompose::spec::detail {
namespace {

// Reads one env file into `variables` (later files win); its mistakes are reported against it.
void read_env_file(Reader& reader, const std::filesystem::path& file, Variables& variables) {
  auto text = read_text_file(file);
  if (!text) {
    reader.error(
        SourceLocation{file.string(), 0, 0}, "",
        "cannot read the env file: " + std::string(std::strerror(text.error().error_number())));
    return;
  }
  EnvFile parsed = parse_env_file(*text);
  for (const auto& error : parsed.errors) {
    reader.error(SourceLocation{file.string(), error.line, 1}, "", error.message);
  }
  for (auto& [name, value] : parsed.variables)
    variables[name] = std::move(value);
}

Variables resolve_variables(Reader& reader, const LoadOptions& options,
                            const std::filesystem::path& directory) {
  Variables variables;
  if (!options.env_files.empty()) {
    for (const auto& file : options.env_files)
      read_env_file(reader, file, variables);
  } else if (options.read_dot_env) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(directory / ".env", ec)) {
      read_env_file(reader, directory / ".env", variables);
    }
  }
  for (const auto& [name, value] : options.environment)
    variables[name] = value;
  return variables;
}

struct Walk {
  Reader& reader;
  const Variables& variables;
  std::vector<Diagnostic>& warnings;
  std::map<std::string, std::string, std::less<>>& used;

  void node(toml::node& value, const std::string& path) {
    if (auto* table = value.as_table()) {
      for (auto&& [key, child] : *table)
        node(child, join_key(path, key.str()));
    } else if (auto* array = value.as_array()) {
      for (size_t i = 0; i < array->size(); ++i)
        node((*array)[i], join_index(path, i));
    } else if (auto* text = value.as_string()) {
      string(*text, path);
    }
  }

  void string(toml::value<std::string>& text, const std::string& path) {
    Interpolated result = interpolate(text.get(), variables);
    if (result.error) {
      reader.error(text, path, *result.error);
      return;
    }
    for (const auto& name : result.unset) {
      warnings.push_back(Diagnostic{reader.at(text), path,
                                    "variable " + name + " is not set; using an empty string"});
    }
    for (const auto& name : result.used) {
      if (auto found = variables.find(name); found != variables.end()) {
        used[name] = found->second;
      }
    }
    text.get() = std::move(result.text);
  }
};

}  // namespace

void interpolate_document(Reader& reader, toml::table& document, const LoadOptions& options,
                          const std::filesystem::path& directory, std::vector<Diagnostic>& warnings,
                          std::map<std::string, std::string, std::less<>>& used) {
  Variables variables = resolve_variables(reader, options, directory);
  Walk walk{reader, variables, warnings, used};
  walk.node(document, "");
}

}  // namespace srcompose::spec::detail
