// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/common.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>

#include "plan/privileges.hpp"
#include "spec/load.hpp"
#include "supervisor/control_server.hpp"
#include "supervisor/lab_supervisor.hpp"
#include "supervisor/project_lock.hpp"
#include "supervisor/subnet_registry.hpp"

namespace srcompose::cli {

std::filesystem::path default_lab_file() {
  for (const char* name : {"srcompose.toml", "lab.toml"}) {
    std::error_code error;
    if (std::filesystem::exists(name, error)) return std::filesystem::absolute(name, error);
  }
  return {};
}

namespace {

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
    // The name becomes a path under the state root and the storage dir, and a cgroup and nftables
    // name: checked exactly like the lab file's `name`, or `down -p ..` would remove the state
    // root's parent.
    if (!spec::is_project_name(options.project))
      return Error::message("project name \"" + options.project +
                            "\" (from -p): " + spec::project_name_rule());
    ref.name = options.project;
  } else {
    return Error::message("no lab file and no project: give -f FILE or -p NAME");
  }
  ref.paths = supervisor::state_paths(supervisor::state_root(options.state_dir), ref.name);
  // Before any command trusts a file in it (exec writes into the cgroup files state.json lists).
  if (auto status = supervisor::check_state_dir(ref.paths); !status) return status.error();
  return ref;
}

Result<spec::Lab> load_running_lab(const ProjectRef& project) {
  auto state = read_state(project.paths);
  if (!state) return std::move(state).error();
  auto text = supervisor::read_small_file(project.paths.lab_copy());
  if (!text) return std::move(text).error().context("lab " + project.name + " is not up");
  const auto* lab_file = state->if_contains("lab_file");
  if (!lab_file || !lab_file->is_string())
    return Error::message("corrupt state file: no \"lab_file\"");
  std::filesystem::path original(std::string(lab_file->as_string()));
  // The file is read with the variables `up` resolved (saved beside the copy), never with this
  // command's environment: `exec` must see the lab that is running.
  spec::LoadOptions options;
  options.project_name = project.name;
  options.read_dot_env = false;
  if (auto saved = supervisor::read_small_file(project.paths.lab_variables())) {
    options.environment = spec::parse_env_file(*saved).variables;
  }
  auto subnets = supervisor::recorded_subnets(project.paths);
  if (!subnets) return std::move(subnets).error();
  options.auto_subnets = std::move(*subnets);
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

Result<std::vector<supervisor::ContainerStatus>> decode_containers(
    const supervisor::json::object& object, const std::string& where) {
  const auto* containers = object.if_contains("containers");
  if (!containers || !containers->is_array())
    return Error::message(where + " has no \"containers\"");
  std::vector<supervisor::ContainerStatus> statuses;
  for (const auto& value : containers->as_array()) {
    if (!value.is_object()) continue;
    auto status = supervisor::container_status_from_json(value.as_object());
    if (!status) return std::move(status).error().context(where);
    statuses.push_back(std::move(*status));
  }
  return statuses;
}

namespace {

// Alive and not stopped: a SIGSTOPped (or traced-stopped) supervisor will never answer.
bool supervisor_serving(const supervisor::StatePaths& paths) {
  auto pid = supervisor::ProjectLock::owner(paths);
  if (!pid) return false;
  auto stat = supervisor::read_small_file("/proc/" + std::to_string(*pid) + "/stat");
  if (!stat) return false;
  // "pid (comm) S ...": the state follows the last ')' (comm may contain anything).
  size_t close = stat->rfind(')');
  if (close == std::string::npos || close + 2 >= stat->size()) return false;
  char state = (*stat)[close + 2];
  return state != 'T' && state != 't' && state != 'Z' && state != 'X';
}

}  // namespace

Result<supervisor::json::object> ask_supervisor(const ProjectRef& project,
                                                const supervisor::json::object& request,
                                                std::chrono::milliseconds timeout, NoReply* why) {
  NoReply ignored;
  NoReply& kind = why ? *why : ignored;
  const auto& paths = project.paths;
  auto reply = supervisor::send_control_request(
      paths.control_socket(), request, [&paths] { return supervisor_serving(paths); }, timeout);
  if (!reply) {
    int error = reply.error().error_number();
    if (error == ENOENT || error == ECONNREFUSED) {
      kind = NoReply::not_up;
      return Error::message("lab " + project.name + " is not up");
    }
    if (error == ETIMEDOUT) {
      kind = NoReply::not_serving;
      auto pid = supervisor::ProjectLock::owner(paths);
      return Error::message("the supervisor of lab " + project.name +
                            (pid ? " (pid " + std::to_string(*pid) + ")" : std::string()) +
                            " does not answer (stopped, gone or stuck)");
    }
    kind = NoReply::failed;
    return std::move(reply).error().context("lab " + project.name);
  }
  kind = NoReply::failed;
  auto ok = reply->if_contains("ok");
  if (!ok || !ok->is_bool()) return Error::message("the supervisor's reply has no \"ok\"");
  if (!ok->as_bool()) {
    auto message = reply->if_contains("error");
    return Error::message(message && message->is_string() ? std::string(message->as_string())
                                                          : "the supervisor refused");
  }
  return reply;
}

std::vector<std::string> state_dir_projects(const GlobalOptions& global) {
  std::set<std::string> names;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(supervisor::state_root(global.state_dir), error)) {
    if (std::filesystem::exists(entry.path() / "lock", error) &&
        spec::is_project_name(entry.path().filename().string()))
      names.insert(entry.path().filename().string());
  }
  return {names.begin(), names.end()};
}

void warn_privileged_requests(const spec::Lab& lab) {
  for (const auto& warning : plan::privilege_warnings(lab))
    std::fprintf(stderr, "srcompose: warning: %s (see SECURITY in srcompose(1))\n",
                 warning.c_str());
}

std::string human_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f%s" : "%.1f%s", value, units[unit]);
  return text;
}

int report_error(const Error& error) {
  std::fprintf(stderr, "srcompose: error: %s\n", error.to_string().c_str());
  return 1;
}

void run_supervisor_to_exit(supervisor::LabSupervisor& lab_supervisor) {
  const int status = lab_supervisor.run();
  std::fflush(nullptr);
  std::_Exit(status);
}

Result<std::vector<std::string>> environment_options(const std::vector<std::string>& entries) {
  std::vector<std::string> env;
  for (const auto& entry : entries) {
    size_t equals = entry.find('=');
    if (equals == 0 || entry.empty())
      return Error::message("-e " + entry + ": expected KEY=VALUE or KEY");
    if (equals != std::string::npos) {
      env.push_back(entry);
    } else if (const char* value = std::getenv(entry.c_str())) {
      env.push_back(entry + "=" + value);
    }
  }
  return env;
}

Status check_workdir_option(const std::string& workdir) {
  if (!workdir.empty() && !workdir.starts_with('/'))
    return Error::message("-w " + workdir + ": expected an absolute path");
  return {};
}

}  // namespace srcompose::cli
