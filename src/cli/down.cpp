// `srcompose down`: asks the running supervisor to tear the lab down in reverse order; when no
// supervisor answers (killed, crashed, state lost), removes everything of the project itself.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/commands.hpp"
#include "supervisor/cleanup.hpp"
#include "supervisor/control_server.hpp"
#include "supervisor/project_lock.hpp"

namespace srcompose::cli {

namespace json = supervisor::json;

namespace {

void print_report(const json::array& report, const DownArguments& arguments) {
  if (arguments.format == "json") {
    std::printf("%s\n", json::serialize(report).c_str());
    return;
  }
  for (const auto& value : report) {
    const auto& record = value.as_object();
    std::string ending = record.at("exit_code").is_null()
                             ? "never ran"
                             : "exit code " + json::serialize(record.at("exit_code"));
    if (record.at("oom_killed").as_bool()) ending += ", OOM-killed";
    auto restarts = record.at("restarts").as_array().size();
    std::fprintf(stderr, "%s: %s, %zu restart(s)\n",
                 json::value_to<std::string>(record.at("name")).c_str(), ending.c_str(), restarts);
  }
}

// A supervisor that holds the lock but does not answer is ended before its resources are removed,
// so it cannot recreate what is being deleted.
void end_unresponsive_supervisor(const supervisor::StatePaths& paths) {
  if (!supervisor::ProjectLock::held_by_other(paths)) return;
  auto owner = supervisor::read_small_file(paths.lock());
  if (!owner) return;
  pid_t pid = static_cast<pid_t>(std::atoi(owner->c_str()));
  if (pid <= 1) return;
  ::kill(pid, SIGTERM);
  for (int waited = 0; waited < 100 && supervisor::ProjectLock::held_by_other(paths); ++waited) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (supervisor::ProjectLock::held_by_other(paths)) ::kill(pid, SIGKILL);
}

}  // namespace

int run_down(const GlobalOptions& global, const DownArguments& arguments) {
  auto project = resolve_project(global, /*need_lab=*/false);
  if (!project) return report_error(project.error());
  const auto& paths = project->paths;

  auto reply = supervisor::send_control_request(paths.control_socket(), {{"command", "down"}});
  if (reply) {
    if (!reply->at("ok").as_bool()) {
      return report_error(Error::message(json::value_to<std::string>(reply->at("error"))));
    }
    const auto& report = reply->at("report").as_array();
    if (!arguments.report_file.empty()) {
      auto text =
          json::serialize(json::object{{"project", project->name}, {"containers", report}}) + "\n";
      if (auto status = supervisor::write_file_atomically(arguments.report_file, text); !status) {
        return report_error(status.error());
      }
    }
    print_report(report, arguments);
    std::fflush(stdout);
    std::fprintf(stderr, "lab %s is down\n", project->name.c_str());
    return 0;
  }

  bool had_state = std::filesystem::exists(paths.dir);
  end_unresponsive_supervisor(paths);
  std::filesystem::path storage =
      project->lab ? project->lab->storage_dir : std::filesystem::path("/var/lib/srcompose");
  if (auto state = read_state(paths); state)
    storage = json::value_to<std::string>(state->at("storage_dir"));
  auto cleaned = supervisor::clean_up_project(project->name, storage);
  if (auto removed = supervisor::remove_state_dir(paths); !removed && cleaned) cleaned = removed;
  if (!cleaned) return report_error(cleaned.error());
  if (had_state) {
    std::fprintf(stderr, "lab %s: its supervisor was gone; everything it left is removed\n",
                 project->name.c_str());
  } else {
    std::fprintf(stderr, "lab %s is not up\n", project->name.c_str());
  }
  return 0;
}

}  // namespace srcompose::cli
