// SPDX-License-Identifier: GPL-2.0-or-later
// What every command shares: the global options, finding the project and its lab file, and printing
// an error as one line.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "spec/lab.hpp"
#include "spec/load.hpp"
#include "supervisor/json.hpp"
#include "supervisor/state_dir.hpp"
#include "supervisor/status.hpp"

namespace srcompose::supervisor {
class LabSupervisor;
}  // namespace srcompose::supervisor

namespace srcompose::cli {

// ./srcompose.toml or ./lab.toml (absolute) when one exists, else empty.
std::filesystem::path default_lab_file();

struct GlobalOptions {
  std::string file;                    // -f: the lab file
  std::string project;                 // -p: the project name
  std::string state_dir;               // --state-dir
  std::vector<std::string> env_files;  // --env-file, in order
};

// The loader's options for this invocation: -p, --env-file and the process environment.

spec::LoadOptions load_options(const GlobalOptions& options);

// Prints the loader's warnings ("srcompose: warning: FILE:LINE:COL: ...") on stderr.
void print_warnings(const std::vector<spec::Diagnostic>& warnings);

// The project a command acts on: from -p, else from the lab file (-f, or srcompose.toml / lab.toml
// in the current directory). `lab` is loaded when a file was found or `need_lab` is set.
struct ProjectRef {
  std::string name;
  std::optional<spec::Lab> lab;
  supervisor::StatePaths paths;
};

// ./srcompose.toml or else ./lab.toml (absolute), or empty when neither exists.
std::filesystem::path default_lab_file();

// Prints the lab file's diagnostics (one line each) and fails when it does not load.
Result<ProjectRef> resolve_project(const GlobalOptions& options, bool need_lab);

// Loads the lab file as it was when the lab came up (the copy in the state directory), for commands
// that need the plan of a running lab (`exec`).
Result<spec::Lab> load_running_lab(const ProjectRef& project);

// Reads the supervisor's state file (containers, pids, storage dir) of a running or crashed lab.
Result<supervisor::json::object> read_state(const supervisor::StatePaths& paths);

// The projects with a state directory under the state root (up, or crashed and not brought down),
// sorted.
std::vector<std::string> state_dir_projects(const GlobalOptions& global);

// The "containers" array of a state file or of a `ps` reply, decoded ("where" names it in errors).
Result<std::vector<supervisor::ContainerStatus>> decode_containers(
    const supervisor::json::object& object, const std::string& where);

// "srcompose: warning: container NAME gets host power: ..." on stderr, one line per container that
// asks for more than the default confinement (plan::privilege_warnings).
void warn_privileged_requests(const spec::Lab& lab);

// "512B", "1.5KiB", "64.0MiB": for tables.
std::string human_bytes(uint64_t bytes);

// -e KEY=VALUE as given; -e KEY takes this process's value, as compose does, and is left out when
// it has none.
Result<std::vector<std::string>> environment_options(const std::vector<std::string>& entries);
// -w: empty (the container's own) or absolute.
Status check_workdir_option(const std::string& workdir);

// "srcompose: error: <text>" on stderr. Returns the exit status to use (1).
int report_error(const Error& error);

// Runs a foreground supervisor (up, run) and ends the process with its status, as the detached
// one ends: once run() has returned nothing of the lab exists any more, and what the destructors
// would still do is give back memory (the plan, the containers' records, the pools' threads
// joined), about a millisecond that `run` and a foreground lab's `down` waited for. stdio is
// flushed first.
[[noreturn]] void run_supervisor_to_exit(supervisor::LabSupervisor& lab_supervisor);

// How a request to a project's supervisor ended when it got no reply.
enum class NoReply {
  not_up,       // nobody listens on the control socket (the lab is down, or its state was lost)
  not_serving,  // the supervisor is stopped (SIGSTOP) or died while we waited, or timed out
  failed,       // anything else (the error says what)
};
// Sends one control request to the project's supervisor and returns its reply when "ok" is true.
// Never hangs: a supervisor that is stopped or gone while we wait, or `timeout` passing, ends the
// wait. A reply with "ok": false is a `failed` error carrying the supervisor's message.
Result<supervisor::json::object> ask_supervisor(const ProjectRef& project,
                                                const supervisor::json::object& request,
                                                std::chrono::milliseconds timeout,
                                                NoReply* why = nullptr);
// No limit but the supervisor's liveness (down, wait, start: they last as long as the lab needs).
inline constexpr std::chrono::milliseconds kNoTimeout = std::chrono::hours(24 * 365);
// For requests the supervisor answers at once (ps, pause, kill).
inline constexpr std::chrono::milliseconds kQuickTimeout = std::chrono::seconds(30);

}  // namespace srcompose::cli
