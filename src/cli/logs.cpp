// `srcompose logs`: the containers' output from the log files of the state directory, merged in
// time order; -f follows them until the lab goes down.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "cli/commands.hpp"
#include "common/terminal_text.hpp"

namespace srcompose::cli {

namespace {

struct LogLine {
  std::string timestamp;
  std::string container;
  std::string text;
};

// Reads the complete lines of `path` from `offset` on, advancing it.
std::vector<LogLine> read_new_lines(const std::filesystem::path& path, const std::string& container,
                                    std::streamoff& offset) {
  std::vector<LogLine> lines;
  std::ifstream in(path, std::ios::binary);
  if (!in) return lines;
  in.seekg(offset);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // an incomplete last line: read it next time
    offset += static_cast<std::streamoff>(line.size() + 1);
    // "<timestamp> <stdout|stderr> <text>"
    auto first = line.find(' ');
    auto second = first == std::string::npos ? std::string::npos : line.find(' ', first + 1);
    if (second == std::string::npos) continue;
    lines.push_back({line.substr(0, first), container, line.substr(second + 1)});
  }
  return lines;
}

// To a terminal, the containers' text has its control characters made visible (a container must
// not drive the reader's terminal); to a pipe or file it is written as it was logged.
void print(const std::vector<LogLine>& lines, size_t width, bool timestamps, bool terminal) {
  std::string out;
  for (const auto& line : lines) {
    std::string name = terminal ? for_terminal(line.container) : line.container;
    name.resize(std::max(width, name.size()), ' ');
    out += name;
    out += " | ";
    if (timestamps) out += line.timestamp + " ";
    if (terminal) {
      append_for_terminal(out, line.text);
    } else {
      out += line.text;
    }
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

int run_logs(const GlobalOptions& global, const LogsArguments& arguments) {
  auto project = resolve_project(global, /*need_lab=*/false);
  if (!project) return report_error(project.error());
  auto logs_dir = project->paths.logs_dir();
  if (!std::filesystem::exists(logs_dir))
    return report_error(Error::message("lab " + project->name + " is not up"));

  std::vector<std::string> containers = arguments.containers;
  // Every container of the lab has a log file from the start on: one without is no container.
  for (const auto& name : containers) {
    std::error_code error;
    if (!std::filesystem::exists(logs_dir / (name + ".log"), error)) {
      return report_error(Error::message("no container " + name + " in lab " + project->name));
    }
  }
  if (containers.empty()) {
    for (const auto& entry : std::filesystem::directory_iterator(logs_dir)) {
      if (entry.path().extension() == ".log") containers.push_back(entry.path().stem().string());
    }
    std::sort(containers.begin(), containers.end());
  }
  size_t width = 0;
  for (const auto& name : containers)
    width = std::max(width, name.size());
  std::map<std::string, std::streamoff> offsets;
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;

  for (;;) {
    std::vector<LogLine> lines;
    for (const auto& name : containers) {
      auto more = read_new_lines(logs_dir / (name + ".log"), name, offsets[name]);
      lines.insert(lines.end(), more.begin(), more.end());
    }
    // Timestamps are fixed-width UTC: text order is time order.
    std::stable_sort(lines.begin(), lines.end(),
                     [](const LogLine& a, const LogLine& b) { return a.timestamp < b.timestamp; });
    print(lines, width, arguments.timestamps, terminal);
    if (!arguments.follow || !std::filesystem::exists(logs_dir)) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace srcompose::cli
