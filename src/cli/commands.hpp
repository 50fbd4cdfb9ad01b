// One function per command; each parses nothing (CLI11 did) and returns the process exit status.
#pragma once

#include <string>
#include <vector>

#include "cli/common.hpp"

namespace srcompose::cli {

struct UpArguments {
  bool detach = false;
  bool wait = false;
  bool abort_on_container_exit = false;
  std::string exit_code_from;
  std::string report_file;
  bool no_color = false;
};
int run_up(const GlobalOptions& global, const UpArguments& arguments);

struct DownArguments {
  std::string report_file;
  std::string format = "text";
};
int run_down(const GlobalOptions& global, const DownArguments& arguments);

int run_ps(const GlobalOptions& global, const std::string& format);

struct LogsArguments {
  bool follow = false;
  bool timestamps = false;
  std::vector<std::string> containers;
};
int run_logs(const GlobalOptions& global, const LogsArguments& arguments);

int run_exec(const GlobalOptions& global, const std::string& container,
             const std::vector<std::string>& argv);

// stop, start, restart, kill, pause, unpause: sent to the running supervisor.
int run_lifecycle(const GlobalOptions& global, const std::string& command,
                  const std::vector<std::string>& containers, const std::string& signal);

}  // namespace srcompose::cli
