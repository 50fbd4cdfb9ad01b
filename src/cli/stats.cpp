// SPDX-License-Identifier: GPL-2.0-or-later
// `srcompose stats [--no-stream] [NAME...]`: CPU %, memory used and limit, pids and block I/O per
// container (compose's `stats`), from the supervisor's live cgroup readings: CPU % is the CPU time
// used between two readings a second apart over that second (100% = one CPU busy).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "cli/commands.hpp"
#include "supervisor/status.hpp"

namespace srcompose::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct Sample {
  Clock::time_point at;
  std::vector<supervisor::ContainerStatus> containers;  // running ones, lab order
};

// NoReply::not_up when the lab is gone.
Result<Sample> take_sample(const ProjectRef& project, const std::vector<std::string>& names,
                           NoReply* why) {
  auto reply = ask_supervisor(project, {{"command", "ps"}}, kQuickTimeout, why);
  if (!reply) return std::move(reply).error();
  Sample sample;
  sample.at = Clock::now();
  auto statuses = decode_containers(*reply, "the supervisor's ps reply");
  if (!statuses) return std::move(statuses).error();
  for (auto& status : *statuses) {
    if (names.empty() || std::find(names.begin(), names.end(), status.name) != names.end())
      sample.containers.push_back(std::move(status));
  }
  return sample;
}

uint64_t cpu_usec(const supervisor::ContainerStatus& status) {
  return status.usage.cpu_user_usec + status.usage.cpu_system_usec;
}

void print_stats(const Sample& before, const Sample& now) {
  std::map<std::string, uint64_t> earlier;
  for (const auto& status : before.containers)
    earlier[status.name] = cpu_usec(status);
  const double wall_usec = static_cast<double>(
      std::chrono::duration_cast<std::chrono::microseconds>(now.at - before.at).count());
  std::printf("%-16s %-8s %-24s %-7s %-6s %s\n", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %",
              "PIDS", "BLOCK I/O");
  for (const auto& status : now.containers) {
    const auto& usage = status.usage;
    double cpu = 0;
    if (auto found = earlier.find(status.name);
        found != earlier.end() && wall_usec > 0 && cpu_usec(status) >= found->second) {
      cpu = static_cast<double>(cpu_usec(status) - found->second) / wall_usec * 100;
    }
    std::string memory = human_bytes(usage.memory_current) + " / " +
                         (usage.memory_limit ? human_bytes(usage.memory_limit) : "-");
    std::string memory_percent = "-";
    if (usage.memory_limit) {
      char text[16];
      std::snprintf(text, sizeof text, "%.1f%%",
                    static_cast<double>(usage.memory_current) /
                        static_cast<double>(usage.memory_limit) * 100);
      memory_percent = text;
    }
    std::string io = human_bytes(usage.io_read_bytes) + " / " + human_bytes(usage.io_write_bytes);
    std::printf("%-16s %-8.1f %-24s %-7s %-6llu %s\n", status.name.c_str(),
                status.pid > 0 ? cpu : 0.0, memory.c_str(), memory_percent.c_str(),
                static_cast<unsigned long long>(usage.pids_current), io.c_str());
  }
  std::fflush(stdout);
}

int run_stats(const GlobalOptions& global, const std::vector<std::string>& names, bool no_stream) {
  auto project = resolve_project(global, /*need_lab=*/false);
  if (!project) return report_error(project.error());
  NoReply why;
  auto before = take_sample(*project, names, &why);
  if (!before) return report_error(before.error());
  for (const auto& name : names) {
    auto reply_has = [&](const Sample& sample) {
      return std::any_of(sample.containers.begin(), sample.containers.end(),
                         [&](const auto& status) { return status.name == name; });
    };
    if (!reply_has(*before))
      return report_error(Error::message("no container " + name + " in lab " + project->name));
  }
  // On a terminal the table is redrawn in place; to a pipe each reading follows the last.
  const bool in_place = !no_stream && ::isatty(STDOUT_FILENO);
  for (bool first = true;; first = false) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto now = take_sample(*project, names, &why);
    if (!now) {
      if (why == NoReply::not_up) {
        std::fprintf(stderr, "lab %s is down\n", project->name.c_str());
        return 0;
      }
      return report_error(now.error());
    }
    if (in_place) {
      std::printf("\033[H\033[2J");
    } else if (!first) {
      std::printf("\n");
    }
    print_stats(*before, *now);
    if (no_stream) return 0;
    before = std::move(now);
  }
}

}  // namespace

void add_stats_command(CLI::App& app, GlobalOptions& global, int& status) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto no_stream = std::make_shared<bool>(false);
  auto* stats = app.add_subcommand("stats", "Show containers' CPU, memory, pids and I/O live");
  stats->add_flag("--no-stream", *no_stream, "Print one reading and exit");
  stats->add_option("containers", *names, "Containers (default: all)");
  stats->callback(
      [names, no_stream, &global, &status] { status = run_stats(global, *names, *no_stream); });
}

}  // namespace srcompose::cli
