// SPDX-License-Identifier: GPL-2.0-or-later
// One function per command; each parses nothing (CLI11 did) and returns the process exit status.
#pragma once

#include <string>
#include <vector>

#include "cli/common.hpp"
#include "plan/lab_plan.hpp"
#include "supervisor/project_lock.hpp"

namespace CLI {
class App;
}

namespace srcompose::cli {

struct UpArguments {
  std::vector<std::string> containers;  // only these and their dependencies; empty: all
  bool no_start = false;                // create everything, start nothing (implies detach)
  int stop_timeout = -1;                // -t: seconds, for every container at teardown; -1: none
  bool detach = false;
  bool wait = false;
  bool abort_on_container_exit = false;
  std::string exit_code_from;
  std::string report_file;
  std::string wait_timeout;  // a duration, "" for none
  std::string results_dir;
  bool no_color = false;
};
int run_up(const GlobalOptions& global, const UpArguments& arguments);

// `srcompose run NAME [CMD...]`: NAME's dependencies, then NAME in the foreground; returns NAME's
// exit code once everything it started is removed.
struct RunArguments {
  std::string container;
  std::vector<std::string> command;
  std::vector<std::string> env;  // -e KEY=VALUE or KEY, over the lab's env
  std::string user;              // -u: as the lab file's `user`
  std::string workdir;           // -w: absolute
  std::string report_file;
  std::string results_dir;
  bool no_color = false;
};
int run_run(const GlobalOptions& global, const RunArguments& arguments);

// `srcompose batch`: the lab once per item (batch/batch.hpp). Exits 0 when every item ran (a
// grader's non-zero exit code is a grade), 1 when one failed to run, 128+N when stopped by signal
// N.
struct BatchArguments {
  std::string items;    // --items DIR|FILE
  std::string run;      // --run NAME (default grader)
  unsigned jobs = 0;    // -j, 0: what the host allows
  std::string results;  // --results OUT
  bool rerun = false;
  bool slurm = false;
  std::vector<std::string> slurm_arguments;
  bool slurm_dry_run = false;
  std::string program;  // argv[0]: the srcompose that Slurm's nodes run (resolved in PATH)
};
int run_batch(const GlobalOptions& global, const BatchArguments& arguments);

// `srcompose wait NAME...`: blocks until they have ended; the first one's exit code.
int run_wait(const GlobalOptions& global, const std::vector<std::string>& containers);

// Shared by up and run. Warns about privileged requests, takes the project's lock, removes what a
// crashed supervisor of the project left, gives `lab`'s `subnet = "auto"` networks their subnets
// (supervisor/subnet_registry.hpp), and then plans the lab, once, with `inputs`, the host's
// resolv.conf and the id ranges the other labs on the host hold (supervisor/id_registry.hpp). Keeps
// a copy of the lab file in the state directory (for `exec`).
struct ClaimedProject {
  supervisor::ProjectLock lock;
  plan::LabPlan plan;
};
Result<ClaimedProject> claim_project(spec::Lab& lab, plan::PlanInputs inputs,
                                     const supervisor::StatePaths& paths);

struct DownArguments {
  std::string report_file;
  std::string format = "text";
  int stop_timeout = -1;  // -t: seconds, instead of each container's stop_timeout; -1: none
  bool volumes = false;   // -v: the persist layers too
};
int run_down(const GlobalOptions& global, const DownArguments& arguments);

struct PsArguments {
  std::string format = "table";
  bool all = false;                 // -a: exited and failed containers too
  bool quiet = false;               // -q: names only
  bool services = false;            // --services: names only
  std::vector<std::string> states;  // --status: only these states (whatever -a says)
};
int run_ps(const GlobalOptions& global, const PsArguments& arguments);

struct LogsArguments {
  bool follow = false;
  bool timestamps = false;
  bool no_log_prefix = false;
  std::string tail = "all";  // per container: "all" or a number of lines
  std::string since;         // a duration before now or an RFC 3339 time; "" for all
  std::vector<std::string> containers;
};
int run_logs(const GlobalOptions& global, const LogsArguments& arguments);

// `srcompose ls`: the labs whose state directory is in the state root.
struct LsArguments {
  std::string format = "table";
  bool all = false;    // -a: also labs left behind by a supervisor that is gone
  bool quiet = false;  // -q: names only
};
int run_ls(const GlobalOptions& global, const LsArguments& arguments);

// `srcompose port NAME PORT`: prints HOST_IP:HOST_PORT of NAME's published PORT.
struct PortArguments {
  std::string container;
  std::string port;  // "80" or "80/udp"
  std::string protocol = "tcp";
};
int run_port(const GlobalOptions& global, const PortArguments& arguments);

struct ExecArguments {
  std::string container;
  std::vector<std::string> command;
  bool detach = false;       // -d: in the background, stdio on /dev/null
  bool interactive = false;  // -i: accepted (stdin is always attached)
  bool tty = false;          // -t: a pty of the container's devpts even when ours is no terminal
  bool no_tty = false;       // -T: never a pty
  std::vector<std::string> env;  // -e KEY=VALUE or KEY
  std::string user;              // -u: as the lab file's `user`
  std::string workdir;           // -w: absolute
};
int run_exec(const GlobalOptions& global, const ExecArguments& arguments);
// Register `exec`, `top`, `stats` and `events` and their options on `app`; the exit status goes to
// `status`.
void add_exec_command(CLI::App& app, GlobalOptions& global, int& status);
// -f, -p, --state-dir and --env-file declared on a command whose trailing arguments are a command
// line (`run`, `exec`): those cannot fall through to srcompose's own options.
void add_global_options_to(CLI::App& command, GlobalOptions& global);
// -e, -u and -w of `run` and `exec` (compose's): the process's variables, user and directory.
void add_process_options(CLI::App& command, std::vector<std::string>& env, std::string& user,
                         std::string& workdir);
// The command line after such a command's container name: CLI11's remaining words, a leading "--"
// dropped. CLI11 also leaves there, first, any option the command does not know, wherever it
// stood (`exec --bogus web sh` ran "--bogus" inside web): such a word is a usage error, thrown as
// CLI11's own ExtrasError ("unknown flag: --bogus") from the command's callback.
std::vector<std::string> command_after_container(const CLI::App& command);
void add_top_command(CLI::App& app, GlobalOptions& global, int& status);
void add_stats_command(CLI::App& app, GlobalOptions& global, int& status);
// `events`: the lab's events (supervisor/event_log.hpp) until it is down.
void add_events_command(CLI::App& app, GlobalOptions& global, int& status);

// stop, start, restart, kill, pause, unpause: sent to the running supervisor.
// `stop_timeout`: seconds (stop, restart -t), -1 for each container's stop_timeout.
int run_lifecycle(const GlobalOptions& global, const std::string& command,
                  const std::vector<std::string>& containers, const std::string& signal,
                  int stop_timeout);

}  // namespace srcompose::cli
