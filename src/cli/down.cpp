// SPDX-License-Identifier: GPL-2.0-or-later
// `srcompose down`: asks the running supervisor to tear the lab down in reverse order; when no
// supervisor answers (killed, crashed, state lost), removes everything of the project itself.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>
#include <sstream>
#include <thread>

#include "cgroup/cgroup.hpp"
#include "cli/commands.hpp"
#include "common/unique_fd.hpp"
#include "supervisor/cleanup.hpp"
#include "supervisor/control_server.hpp"
#include "supervisor/project_lock.hpp"
#include "sys/file_io.hpp"
#include "sys/process.hpp"

namespace srcompose::cli {

namespace json = supervisor::json;

namespace {

std::string text_of(const json::object& record, std::string_view key) {
  auto value = record.if_contains(key);
  return value && value->is_string() ? std::string(value->as_string()) : std::string("?");
}

void print_report(const json::object& report, const DownArguments& arguments) {
  if (arguments.format == "json") {
    std::printf("%s\n", json::serialize(report).c_str());
    return;
  }
  auto containers = report.if_contains("containers");
  if (!containers || !containers->is_array()) return;
  for (const auto& value : containers->as_array()) {
    if (!value.is_object()) continue;
    const auto& record = value.as_object();
    std::string ending = text_of(record, "status");
    if (auto exit_code = record.if_contains("exit_code"); exit_code && !exit_code->is_null())
      ending += ", exit code " + json::serialize(*exit_code);
    if (auto oom = record.if_contains("oom_killed"); oom && oom->is_bool() && oom->as_bool())
      ending += ", OOM-killed";
    auto restarts = record.if_contains("restarts");
    std::size_t restart_count = restarts && restarts->is_array() ? restarts->as_array().size() : 0;
    std::fprintf(stderr, "%s: %s, %zu restart(s)\n", text_of(record, "name").c_str(),
                 ending.c_str(), restart_count);
  }
}

// Ends `pid` (a supervisor that does not answer or lost its state): SIGTERM for its own teardown,
// then SIGKILL after 10 s. SIGCONT first: a stopped process cannot act on SIGTERM.
void end_supervisor(pid_t pid) {
  if (pid <= 1) return;
  ::kill(pid, SIGTERM);
  ::kill(pid, SIGCONT);
  for (int waited = 0; waited < 100 && ::kill(pid, 0) == 0; ++waited) {
    auto stat = supervisor::read_small_file("/proc/" + std::to_string(pid) + "/stat");
    if (stat && stat->find(") Z") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid, SIGKILL);
}

// The parent of `pid` when it is a container's init (pid 1 of its namespace, NSpid ending in 1)
// and the parent is not the host's init.
std::optional<pid_t> parent_of_container_init(pid_t pid) {
  auto status = supervisor::read_small_file("/proc/" + std::to_string(pid) + "/status");
  if (!status) return std::nullopt;
  auto nspid = status->find("\nNSpid:");
  if (nspid == std::string::npos) return std::nullopt;
  auto line_end = status->find('\n', nspid + 1);
  std::string nspid_line = status->substr(nspid + 1, line_end - nspid - 1);
  if (!nspid_line.ends_with("\t1")) return std::nullopt;  // not a container's init
  auto ppid = status->find("\nPPid:");
  if (ppid == std::string::npos) return std::nullopt;
  pid_t parent = 0;
  const char* digits = status->c_str() + ppid + 6;
  while (*digits == '\t' || *digits == ' ')
    ++digits;
  std::from_chars(digits, status->c_str() + status->size(), parent);
  if (parent <= 1) return std::nullopt;
  return parent;
}

// The supervisors of the project's running containers, found without any state: every container's
// init (pid 1 of its namespace) is a child of its supervisor.
std::vector<pid_t> supervisors_from_cgroups(const std::string& project) {
  std::vector<pid_t> found;
  auto layout = cgroup::detect_host();
  if (!layout) return found;
  for (const auto& hierarchy : layout->hierarchies) {
    std::error_code error;
    std::filesystem::directory_iterator containers(hierarchy.mount / "srcompose" / project, error);
    for (; !error && containers != std::filesystem::directory_iterator();
         containers.increment(error)) {
      auto procs = supervisor::read_small_file(containers->path() / "cgroup.procs");
      if (!procs) continue;
      std::istringstream pids(*procs);
      for (pid_t pid; pids >> pid;) {
        auto parent = parent_of_container_init(pid);
        if (parent && std::find(found.begin(), found.end(), *parent) == found.end())
          found.push_back(*parent);
      }
    }
    if (!found.empty()) break;
  }
  return found;
}

// The supervisor took the lab down: its report saved (--report) and printed.
int finish_answered_down(const ProjectRef& project, const json::object& reply,
                         const DownArguments& arguments) {
  auto report_value = reply.if_contains("report");
  json::object report =
      report_value && report_value->is_object() ? report_value->as_object() : json::object{};
  if (!arguments.report_file.empty()) {
    auto text = json::serialize(report) + "\n";
    if (auto status = sys::write_file_atomically(arguments.report_file, text); !status) {
      return report_error(status.error());
    }
  }
  print_report(report, arguments);
  std::fflush(stdout);
  std::fprintf(stderr, "lab %s is down\n", project.name.c_str());
  return 0;
}

// Ends the supervisor holding the lock and any other found through the lab's cgroups; true when
// there was one.
bool end_supervisors(const ProjectRef& project) {
  bool ended_one = false;
  if (auto owner = supervisor::ProjectLock::owner(project.paths)) {
    end_supervisor(*owner);
    ended_one = true;
  }
  for (pid_t pid : supervisors_from_cgroups(project.name)) {
    end_supervisor(pid);
    ended_one = true;
  }
  return ended_one;
}

// Down is the recovery command: from here on everything is found by name. A supervisor that
// holds the lock but does not answer, or whose state directory was deleted, is ended first, so
// that it cannot recreate what is being removed (nor keep a published port).
int recover_down(const ProjectRef& project, const DownArguments& arguments) {
  const auto& paths = project.paths;
  bool had_state = std::filesystem::exists(paths.dir);
  bool ended_one = end_supervisors(project);
  std::filesystem::path storage =
      project.lab ? project.lab->storage_dir : std::filesystem::path("/var/lib/srcompose");
  auto state = read_state(paths);
  auto targets =
      supervisor::cleanup_targets_from_state(project.name, state ? &*state : nullptr, storage);
  targets.keep_persistent = !arguments.volumes;
  if (project.lab && targets.bridges.empty()) {
    for (const auto& bridge : plan::plan_lab(*project.lab).networks.bridges)
      targets.bridges.push_back(bridge.bridge);
  }
  auto cleaned = supervisor::clean_up_project(targets);
  if (auto removed = supervisor::remove_state_dir(paths); !removed && cleaned) cleaned = removed;
  if (!cleaned) return report_error(cleaned.error());
  if (had_state || ended_one) {
    std::fprintf(
        stderr, "lab %s: its supervisor was gone or not answering; everything it left is removed\n",
        project.name.c_str());
  } else {
    std::fprintf(stderr, "lab %s is not up\n", project.name.c_str());
  }
  return 0;
}

// The supervisor answers `down` once the lab's resources are gone from the host's view; it then
// still finishes the kernel's deletion of the links it asked for (RCU waits, ~30 ms) and exits.
// `down` returns when that process is gone too: nothing of the lab runs after it.
void wait_for_supervisor_exit(const std::optional<UniqueFd>& supervisor) {
  constexpr int kExitTimeoutMs = 10'000;
  if (!supervisor || !*supervisor) return;
  pollfd exited{supervisor->get(), POLLIN, 0};
  while (::poll(&exited, 1, kExitTimeoutMs) < 0 && errno == EINTR) {
  }
}

}  // namespace

int run_down(const GlobalOptions& global, const DownArguments& arguments) {
  auto project = resolve_project(global, /*need_lab=*/false);
  if (!project) return report_error(project.error());
  json::object request{{"command", "down"}, {"volumes", arguments.volumes}};
  if (arguments.stop_timeout >= 0) request["timeout_ms"] = int64_t{arguments.stop_timeout} * 1000;
  // Opened before asking: the pid cannot belong to anyone else before that supervisor has ended.
  std::optional<UniqueFd> supervisor;
  if (auto owner = supervisor::ProjectLock::owner(project->paths)) {
    if (auto pidfd = sys::open_pidfd(*owner)) supervisor = std::move(*pidfd);
  }
  NoReply why = NoReply::failed;
  auto reply = ask_supervisor(*project, request, kNoTimeout, &why);
  if (reply) {
    wait_for_supervisor_exit(supervisor);
    return finish_answered_down(*project, *reply, arguments);
  }
  // A supervisor that refused (the lab is already going down) is left to finish.
  if (why == NoReply::failed) return report_error(reply.error());
  if (why == NoReply::not_serving) {
    std::fprintf(stderr, "srcompose: %s: ending it\n", reply.error().to_string().c_str());
  }
  return recover_down(*project, arguments);
}

}  // namespace srcompose::cli
