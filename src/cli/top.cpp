// SPDX-License-Identifier: GPL-2.0-or-later
// `srcompose top [NAME...]`: the processes of each running container, with their host pids and the
// pids the container sees (compose's `top`). Read from the container's cgroup and /proc; nothing is
// asked of the supervisor but the state file's list of cgroup.procs files.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/commands.hpp"
#include "common/terminal_text.hpp"
#include "supervisor/status.hpp"

namespace srcompose::cli {
namespace {

struct ProcessRow {
  pid_t host_pid = 0;
  std::string container_pid = "?";  // the last NSpid field: the pid in the container's namespace
  std::string uid = "?";            // effective, as the host sees it
  std::string command;
};

std::optional<ProcessRow> read_process(pid_t pid) {
  ProcessRow row;
  row.host_pid = pid;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  if (!status) return std::nullopt;  // gone meanwhile
  for (std::string line; std::getline(status, line);) {
    std::istringstream fields(line);
    std::string key;
    fields >> key;
    if (key == "NSpid:") {
      for (std::string each; fields >> each;)
        row.container_pid = each;
    } else if (key == "Uid:") {
      std::string real;
      fields >> real >> row.uid;
    }
  }
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string arguments{std::istreambuf_iterator<char>(cmdline), std::istreambuf_iterator<char>()};
  while (!arguments.empty() && arguments.back() == '\0')
    arguments.pop_back();
  std::replace(arguments.begin(), arguments.end(), '\0', ' ');
  if (arguments.empty()) {  // a kernel thread or a zombie: its name, as ps shows it
    std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
    std::getline(comm, arguments);
    arguments = "[" + arguments + "]";
  }
  // A process names itself: what it wrote is shown, never acted on by the terminal.
  row.command = for_terminal(arguments);
  return row;
}

std::vector<pid_t> cgroup_pids(const std::string& procs_file) {
  std::vector<pid_t> pids;
  std::ifstream in(procs_file);
  for (pid_t pid; in >> pid;)
    pids.push_back(pid);
  std::sort(pids.begin(), pids.end());
  return pids;
}

int run_top(const GlobalOptions& global, const std::vector<std::string>& names) {
  auto project = resolve_project(global, /*need_lab=*/false);
  if (!project) return report_error(project.error());
  auto state = read_state(project->paths);
  if (!state) return report_error(Error::message("lab " + project->name + " is not up"));
  auto decoded = decode_containers(*state, "state file");
  if (!decoded) return report_error(decoded.error());
  const auto& statuses = *decoded;
  for (const auto& name : names) {
    bool known = std::any_of(statuses.begin(), statuses.end(),
                             [&](const auto& status) { return status.name == name; });
    if (!known)
      return report_error(Error::message("no container " + name + " in lab " + project->name));
  }
  bool first = true;
  for (const auto& status : statuses) {
    if (!names.empty() && std::find(names.begin(), names.end(), status.name) == names.end())
      continue;
    if (status.pid <= 0 || status.cgroup_procs_files.empty()) continue;
    std::printf("%s%s\n", first ? "" : "\n", status.name.c_str());
    first = false;
    std::printf("%-10s %-10s %-10s %s\n", "PID", "HOST PID", "UID", "COMMAND");
    // Every hierarchy lists the same processes: the first file is enough.
    for (pid_t pid : cgroup_pids(status.cgroup_procs_files.front())) {
      if (auto row = read_process(pid)) {
        std::printf("%-10s %-10d %-10s %s\n", row->container_pid.c_str(), row->host_pid,
                    row->uid.c_str(), row->command.c_str());
      }
    }
  }
  return 0;
}

}  // namespace

void add_top_command(CLI::App& app, GlobalOptions& global, int& status) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* top = app.add_subcommand("top", "List the processes of running containers");
  top->add_option("containers", *names, "Containers (default: all)");
  top->callback([names, &global, &status] { status = run_top(global, *names); });
}

}  // namespace srcompose::cli
