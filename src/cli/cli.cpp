// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.hpp"
#include "cli/completion.hpp"
#include "cli/config.hpp"
#include "cli/usage.hpp"
#include "cli/version.hpp"
#include "spec/values.hpp"

namespace srcompose::cli {

namespace {

// -t, --timeout SECONDS of up, down, stop and restart, as compose spells it.
// What `up` and `run` leave behind and how they print: the same for both.
void add_results_options(CLI::App& command, std::string& results_dir, bool& no_color) {
  command
      .add_option("--results", results_dir,
                  "At the end, write report.json and one NAME.log per container here")
      ->type_name("DIR");
  command.add_flag("--no-color", no_color, "Plain output");
}

void add_stop_timeout_option(CLI::App& command, int& seconds) {
  command
      .add_option(
          "-t,--timeout", seconds,
          "Seconds from the stop signal to SIGKILL (default: each container's stop_timeout)")
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            bool digits =
                !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
            return digits ? "" : "expected a whole number of seconds, got " + value;
          },
          ""))
      ->type_name("SECONDS");
}

void add_lifecycle_command(CLI::App& app, GlobalOptions& global, const std::string& name,
                           const std::string& description, const std::function<void(int)>& done) {
  auto* command = app.add_subcommand(name, description);
  auto containers = std::make_shared<std::vector<std::string>>();
  auto signal = std::make_shared<std::string>("KILL");
  auto timeout = std::make_shared<int>(-1);
  command->add_option("containers", *containers, "Containers (default: all)");
  if (name == "kill")
    command->add_option("-s,--signal", *signal, "Signal to send (default KILL)")
        ->type_name("SIGNAL");
  if (name == "stop" || name == "restart") add_stop_timeout_option(*command, *timeout);
  command->callback([&global, name, containers, signal, timeout, done] {
    done(run_lifecycle(global, name, *containers, *signal, *timeout));
  });
}

// config [--format F] [--services] [-q] [--fingerprint]
void add_config_command(CLI::App& app, GlobalOptions& global, int& status) {
  struct ConfigOptions {
    std::string format = "toml";
    bool services = false;
    bool quiet = false;
    bool fingerprint = false;
  };
  auto options = std::make_shared<ConfigOptions>();
  auto* config = app.add_subcommand("config", "Validate the lab file and print it normalized");
  config->add_option("--format", options->format, "toml or json")
      ->check(CLI::IsMember({"toml", "json"}));
  config->add_flag("--services", options->services, "Print only the container names, one a line");
  config->add_flag("-q,--quiet", options->quiet,
                   "Only validate: print nothing, say it by exit status");
  config->add_flag("--fingerprint", options->fingerprint,
                   "Print only the fingerprint of the normalized lab (as in the run report)");
  config->callback([&global, &status, options] {
    // Only the file is looked for here: run_config loads it (once, printing its errors once).
    std::string file = global.file.empty() ? default_lab_file().string() : global.file;
    if (file.empty()) {
      status = report_error(Error::message("no lab file: give one with -f"));
      return;
    }
    status = options->quiet      ? run_config_quiet(file, global)
             : options->services ? run_config_services(file, global)
                                 : run_config(file, global, options->format, options->fingerprint);
  });
}

void add_up_command(CLI::App& app, GlobalOptions& global, int& status) {
  auto arguments = std::make_shared<UpArguments>();
  UpArguments& up = *arguments;
  auto* up_command = app.add_subcommand("up", "Create and start the lab");
  up_command->add_option("containers", up.containers,
                         "Only these containers and what they depend on (default: all)");
  up_command->add_flag("--no-start", up.no_start,
                       "Create everything, start nothing (then `srcompose start`); implies -d");
  add_stop_timeout_option(*up_command, up.stop_timeout);
  up_command->add_flag("-d,--detach", up.detach,
                       "Run in the background; return once every container runs");
  up_command->add_flag("--wait", up.wait, "With -d: also wait until health checks pass");
  up_command->add_flag("--abort-on-container-exit", up.abort_on_container_exit,
                       "Stop the lab when any container exits");
  up_command
      ->add_option("--exit-code-from", up.exit_code_from,
                   "Exit with this container's exit code (implies --abort-on-container-exit)")
      ->type_name("CONTAINER");
  up_command
      ->add_option("--report", up.report_file,
                   "Write the run report (JSON) to this file when the lab goes down")
      ->type_name("FILE");
  up_command->add_option("--wait-timeout", up.wait_timeout,
                         "Fail if the lab is not up (and healthy with --wait) after this long");
  add_results_options(*up_command, up.results_dir, up.no_color);
  up_command->callback([&global, &status, arguments] { status = run_up(global, *arguments); });
}

void add_run_command(CLI::App& app, GlobalOptions& global, int& status) {
  auto arguments = std::make_shared<RunArguments>();
  RunArguments& run_arguments = *arguments;
  auto* run_command = app.add_subcommand(
      "run", "Start a container's dependencies, run it in the foreground, then remove everything");
  run_command
      ->add_option("--report", run_arguments.report_file,
                   "Write the run report (JSON) to this file at the end")
      ->type_name("FILE");
  add_results_options(*run_command, run_arguments.results_dir, run_arguments.no_color);
  // compose's `run --rm` and `run -T`, typed from habit: a run removes everything of its lab at
  // the end and gives its container no terminal anyway.
  const std::string remove_help =
      "Remove the container at the end (always: accepted for compose's)";
  run_command->add_flag("--rm", remove_help);
  const std::string no_tty_help = "No pseudo-terminal (always: accepted for compose's)";
  run_command->add_flag("-T,--no-TTY,--no-tty", no_tty_help);
  add_process_options(*run_command, run_arguments.env, run_arguments.user, run_arguments.workdir);
  run_command->add_option("container", run_arguments.container, "Container")->required();
  // As for exec: what follows the container name is its command, options included.
  run_command->prefix_command();
  run_command->fallthrough(false);
  add_global_options_to(*run_command, global);
  run_command->footer("[COMMAND [ARG...]] after the container name replaces its command.");
  run_command->callback([&global, &status, arguments, run_command] {
    arguments->command = command_after_container(*run_command);
    status = run_run(global, *arguments);
  });
}

void add_batch_command(CLI::App& app, GlobalOptions& global, int& status, const char* program) {
  auto arguments = std::make_shared<BatchArguments>();
  BatchArguments& batch_arguments = *arguments;
  auto* batch_command = app.add_subcommand(
      "batch", "Run the lab once per item (submission), here or through Slurm, and summarize");
  batch_command
      ->add_option("--items", batch_arguments.items,
                   "A directory (one item per entry), a CSV file with a header, or a list file")
      ->required()
      ->type_name("DIR|FILE");
  batch_command->add_option("--run", batch_arguments.run, "The container to run (default grader)")
      ->type_name("CONTAINER");
  batch_command->add_option("-j,--jobs", batch_arguments.jobs,
                            "Instances at a time (default: what CPUs and memory allow)");
  batch_command
      ->add_option("--results", batch_arguments.results,
                   "OUT: OUT/<item>/ per item, OUT/summary.csv and OUT/summary.json "
                   "(default ./results)")
      ->type_name("DIR");
  batch_command->add_flag("--rerun", batch_arguments.rerun,
                          "Run every item, also those with a complete result");
  batch_command->add_flag("--slurm", batch_arguments.slurm, "Submit as one Slurm job array");
  batch_command
      ->add_option("--slurm-arg", batch_arguments.slurm_arguments, "Passed to sbatch (repeatable)")
      ->allow_extra_args(false);
  batch_command->add_flag("--slurm-dry-run", batch_arguments.slurm_dry_run,
                          "Print the Slurm job script instead of submitting it");
  batch_arguments.program = program;
  batch_command->callback(
      [&global, &status, arguments] { status = run_batch(global, *arguments); });
}

void add_down_command(CLI::App& app, GlobalOptions& global, int& status) {
  auto arguments = std::make_shared<DownArguments>();
  DownArguments& down = *arguments;
  auto* down_command = app.add_subcommand("down", "Stop and remove everything of the lab");
  down_command->add_option("--report", down.report_file, "Write the run report (JSON) to this file")
      ->type_name("FILE");
  down_command->add_option("--format", down.format, "text or json (the report)")
      ->check(CLI::IsMember({"text", "json"}));
  add_stop_timeout_option(*down_command, down.stop_timeout);
  down_command->add_flag("-v,--volumes", down.volumes,
                         "Also remove the writable layers kept by `persist = true`");
  down_command->callback([&global, &status, arguments] { status = run_down(global, *arguments); });
}

void add_ps_command(CLI::App& app, GlobalOptions& global, int& status) {
  auto arguments = std::make_shared<PsArguments>();
  PsArguments& ps_arguments = *arguments;
  auto* ps = app.add_subcommand("ps", "List the containers of a running lab");
  ps->add_option("--format", ps_arguments.format, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  ps->add_flag("-a,--all", ps_arguments.all, "Also exited and failed containers");
  ps->add_flag("-q,--quiet", ps_arguments.quiet, "Only the names");
  ps->add_flag("--services", ps_arguments.services, "Only the names (a container is its service)");
  ps->add_option("--status", ps_arguments.states, "Only containers in this state (repeatable)")
      ->check(CLI::IsMember({"waiting", "created", "starting", "running", "paused", "restarting",
                             "stopping", "exited", "failed"}));
  ps->callback([&global, &status, arguments] { status = run_ps(global, *arguments); });
}

void add_logs_command(CLI::App& app, GlobalOptions& global, int& status) {
  auto arguments = std::make_shared<LogsArguments>();
  LogsArguments& logs = *arguments;
  auto* logs_command = app.add_subcommand("logs", "Show the containers' output");
  logs_command->add_flag("-f,--follow", logs.follow, "Follow until the lab goes down");
  logs_command->add_flag("-t,--timestamps", logs.timestamps, "Show timestamps");
  logs_command->add_option("-n,--tail", logs.tail,
                           "Only the last N lines of each container (default: all)");
  logs_command->add_option(
      "--since", logs.since,
      "Only lines since a time (2026-11-28T19:00:00Z) or a duration ago (10m)");
  logs_command->add_flag("--no-log-prefix", logs.no_log_prefix, "No \"name | \" before each line");
  logs_command->add_option("containers", logs.containers, "Containers (default: all)");
  logs_command->callback([&global, &status, arguments] { status = run_logs(global, *arguments); });
}

void add_ls_command(CLI::App& app, GlobalOptions& global, int& status) {
  auto arguments = std::make_shared<LsArguments>();
  LsArguments& ls_arguments = *arguments;
  auto* ls = app.add_subcommand("ls", "List the labs that are up on this host");
  ls->add_option("--format", ls_arguments.format, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  ls->add_flag("-a,--all", ls_arguments.all, "Also labs whose supervisor is gone");
  ls->add_flag("-q,--quiet", ls_arguments.quiet, "Only the names");
  ls->callback([&global, &status, arguments] { status = run_ls(global, *arguments); });
}

void add_port_command(CLI::App& app, GlobalOptions& global, int& status) {
  auto arguments = std::make_shared<PortArguments>();
  PortArguments& port_arguments = *arguments;
  auto* port = app.add_subcommand("port", "Print the host address of a published port");
  port->add_option("container", port_arguments.container, "Container")->required();
  port->add_option("port", port_arguments.port, "Its port (80, or 80/udp)")->required();
  port->add_option("--protocol", port_arguments.protocol, "tcp or udp")
      ->check(CLI::IsMember({"tcp", "udp"}));
  port->callback([&global, &status, arguments] { status = run_port(global, *arguments); });
}

void add_wait_command(CLI::App& app, GlobalOptions& global, int& status) {
  auto containers = std::make_shared<std::vector<std::string>>();
  auto* wait_command =
      app.add_subcommand("wait", "Block until containers have ended; exit with the first's code");
  wait_command->add_option("containers", *containers, "Containers")->required();
  wait_command->callback(
      [&global, &status, containers] { status = run_wait(global, *containers); });
}

void add_version_and_completion_commands(CLI::App& app, int& status) {
  auto version_short = std::make_shared<bool>(false);
  auto* version =
      app.add_subcommand("version", "Show the version, git revision and library versions");
  version->add_flag("--short", *version_short, "Only the version number");
  version->callback([&status, version_short] { status = run_version(*version_short); });

  auto shell = std::make_shared<std::string>();
  auto* completion = app.add_subcommand("completion", "Print the shell completion script");
  completion->add_option("shell", *shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  completion->callback([&status, shell] { status = run_completion(*shell); });
}

// The words CLI11 parses: argv without a "--" after run's or exec's container name and its own
// options (`exec web -- ls -l`, as kubectl has it), where CLI11 would end the command and read
// what follows as srcompose's own words ("unexpected argument 'ls'"). A "--" before the container
// name is CLI11's to read.
std::vector<char*> words_for_parser(CLI::App& app, int argc, char** argv) {
  std::vector<char*> words(argv, argv + argc);
  auto position = command_position(app, argc, argv);
  if (!position) return words;
  const CLI::App* command = app.get_subcommand(argv[*position]);
  if (!command->get_prefix_command()) return words;
  int container = operand_position(*command, *position + 1, argc, argv, Dashes::operand);
  if (container >= argc || std::string_view(argv[container]) == "--") return words;
  int dashes = operand_position(*command, container + 1, argc, argv, Dashes::operand);
  if (dashes < argc && std::string_view(argv[dashes]) == "--") words.erase(words.begin() + dashes);
  return words;
}

}  // namespace

bool forks_into_containers(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "exec") return true;
  }
  return false;
}

int run(int argc, char** argv) {
  CLI::App app{"srcompose: declarative container labs on one Linux host", "srcompose"};
  app.set_version_flag("--version", [] {
    auto text = version_text();
    text.pop_back();  // CLI11 ends the line itself
    return text;
  });
  app.require_subcommand(1);
  // -f, -p and --state-dir are accepted after the command too: `srcompose up -f lab.toml`.
  app.fallthrough();
  GlobalOptions global;
  // The type names FILE, DIR, PROJECT, CONTAINER and SIGNAL (and IsMember checks) also tell shell
  // completion what to offer (completion.cpp).
  app.add_option("-f,--file", global.file, "Lab file (default: ./srcompose.toml or ./lab.toml)")
      ->type_name("FILE");
  app.add_option("-p,--project-name", global.project, "Project name (default: the lab's `name`)")
      ->type_name("PROJECT");
  app.add_option("--state-dir", global.state_dir,
                 "State root (default: $SRCOMPOSE_STATE_DIR or /run/srcompose)")
      ->type_name("DIR");
  app.add_option("--env-file", global.env_files,
                 "Variables for ${VAR} in the lab file (repeatable; later wins; replaces ./.env "
                 "beside the lab file; the environment wins over files)")
      ->type_name("FILE");
  int status = 0;
  auto done = [&status](int code) { status = code; };

  add_config_command(app, global, status);
  add_up_command(app, global, status);
  add_run_command(app, global, status);
  add_batch_command(app, global, status, argv[0]);

  add_wait_command(app, global, status);

  add_down_command(app, global, status);
  add_ps_command(app, global, status);
  add_logs_command(app, global, status);
  add_ls_command(app, global, status);
  add_port_command(app, global, status);

  add_exec_command(app, global, status);
  add_top_command(app, global, status);
  add_stats_command(app, global, status);
  add_events_command(app, global, status);

  add_lifecycle_command(app, global, "stop",
                        "Stop containers (stop_signal, then SIGKILL after stop_timeout)", done);
  add_lifecycle_command(app, global, "start", "Start stopped containers", done);
  add_lifecycle_command(app, global, "restart", "Stop and start containers", done);
  add_lifecycle_command(app, global, "kill", "Send a signal to containers", done);
  add_lifecycle_command(app, global, "pause", "Freeze every process of containers", done);
  add_lifecycle_command(app, global, "unpause", "Thaw paused containers", done);

  add_version_and_completion_commands(app, status);

  // The completion scripts' question, answered from the app built above (never parsed by CLI11:
  // the words are a partial command line).
  if (argc > 1 && std::string_view(argv[1]) == kCompleteCommand)
    return run_complete(app, std::vector<std::string>(argv + 2, argv + argc));

  finish_help(app);
  std::vector<char*> words = words_for_parser(app, argc, argv);
  const int word_count = static_cast<int>(words.size());
  try {
    app.parse(word_count, words.data());
  } catch (const CLI::ParseError& error) {
    // --help and --version end parsing as "errors" that succeed.
    if (error.get_exit_code() == 0) return app.exit(error);
    return usage_error(app, word_count, words.data(), error);
  }
  return status;
}

std::vector<std::string> command_after_container(const CLI::App& command) {
  std::vector<std::string> words = command.remaining();
  if (!words.empty() && words.front() == "--") {
    words.erase(words.begin());
    return words;
  }
  // CLI11 moved it there: an option of no command's (a command cannot begin with a dash).
  if (!words.empty() && words.front().starts_with("-"))
    throw CLI::ExtrasError(command.get_name(), std::vector<std::string>{words.front()});
  return words;
}

void add_process_options(CLI::App& command, std::vector<std::string>& env, std::string& user,
                         std::string& workdir) {
  command.add_option("-e,--env", env, "Set a variable: KEY=VALUE, or KEY from here")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  command
      .add_option("-u,--user", user,
                  "Run as uid[:gid] or name[:group] of the container's /etc/passwd")
      ->type_name("USER");
  command.add_option("-w,--workdir", workdir, "Working directory inside")->type_name("DIR");
}

void add_global_options_to(CLI::App& command, GlobalOptions& global) {
  command.add_option("-f,--file", global.file, "Lab file")->type_name("FILE");
  command.add_option("-p,--project-name", global.project, "Project name")->type_name("PROJECT");
  command.add_option("--state-dir", global.state_dir, "State root")->type_name("DIR");
  command.add_option("--env-file", global.env_files, "Variables for ${VAR} (repeatable)")
      ->type_name("FILE");
}

}  // namespace srcompose::cli
