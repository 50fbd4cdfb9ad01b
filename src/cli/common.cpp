#include "cli/common.hpp"

#include <unistd.h>

#include <cstdio>

#include "spec/load.hpp"

namespace srcompose::cli {

namespace {

std::filesystem::path default_lab_file() {
  for (const char* name : {"srcompose.toml", "lab.toml"}) {
    if (std::filesystem::exists(name)) return std::filesystem::absolute(name);
  }
  return {};
}

Result<spec::Lab> load(const std::filesystem::path& file, const GlobalOptions& global) {
  auto result = spec::load_lab_file(file, load_options(global));
  print_warnings(result.warnings);
  if (result.lab) return std::move(*result.lab);
  for (const auto& diagnostic : result.diagnostics)
    std::fprintf(stderr, "%s\n", diagnostic.to_string().c_str());
  return Error::message(std::to_string(result.diagnostics.size()) + " error(s) in " +
                        file.string());
}

}  // namespace

spec::LoadOptions load_options(const GlobalOptions& global) {
  spec::LoadOptions options;
  options.project_name = global.project;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    options.environment.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  options.env_files.assign(global.env_files.begin(), global.env_files.end());
  return options;
}

void print_warnings(const std::vector<spec::Diagnostic>& warnings) {
  for (const auto& warning : warnings)
    std::fprintf(stderr, "srcompose: warning: %s\n", warning.to_string().c_str());
}

Result<ProjectRef> resolve_project(const GlobalOptions& options, bool need_lab) {
  std::filesystem::path file =
      options.file.empty() ? default_lab_file() : std::filesystem::path(options.file);
  ProjectRef ref;
  if (!file.empty() && (need_lab || options.project.empty() || !options.file.empty())) {
    auto lab = load(file, options);
    if (!lab) return std::move(lab).error();
    ref.name = lab->name;
    ref.lab = std::move(*lab);
  } else if (need_lab) {
    return Error::message(
        "no lab file: give one with -f (or put srcompose.toml in this directory)");
  } else if (!options.project.empty()) {
    ref.name = options.project;
  } else {
    return Error::message("no lab file and no project: give -f FILE or -p NAME");
  }
  ref.paths = supervisor::state_paths(supervisor::state_root(options.state_dir), ref.name);
  return ref;
}

Result<spec::Lab> load_running_lab(const ProjectRef& project) {
  auto state = read_state(project.paths);
  if (!state) return std::move(state).error();
  auto text = supervisor::read_small_file(project.paths.lab_copy());
  if (!text) return std::move(text).error().context("lab " + project.name + " is not up");
  std::filesystem::path original(supervisor::json::value_to<std::string>(state->at("lab_file")));
  // The file is read with the variables `up` resolved (saved beside the copy), never with this
  // command's environment: `exec` must see the lab that is running.
  spec::LoadOptions options;
  options.project_name = project.name;
  options.read_dot_env = false;
  if (auto saved = supervisor::read_small_file(project.paths.lab_variables())) {
    options.environment = spec::parse_env_file(*saved).variables;
  }
  auto result = spec::load_lab_text(*text, original, options);
  if (!result.lab)
    return Error::message("the running lab's file no longer loads: " +
                          result.diagnostics.front().to_string());
  return std::move(*result.lab);
}

Result<supervisor::json::object> read_state(const supervisor::StatePaths& paths) {
  auto text = supervisor::read_small_file(paths.state_file());
  if (!text) return std::move(text).error();
  boost::system::error_code error;
  auto value = supervisor::json::parse(*text, error);
  if (error || !value.is_object())
    return Error::message("corrupt state file " + paths.state_file().string());
  return value.as_object();
}

int report_error(const Error& error) {
  std::fprintf(stderr, "srcompose: error: %s\n", error.to_string().c_str());
  return 1;
}

}  // namespace srcompose::cli
