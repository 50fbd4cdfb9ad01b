// SPDX-License-Identifier: GPL-2.0-or-later
// `srcompose ls`: the labs of this host's state root, as `docker compose ls` lists projects.
#include <cstdio>
#include <map>

#include "cli/commands.hpp"
#include "supervisor/status.hpp"

namespace srcompose::cli {

namespace json = supervisor::json;

namespace {

struct LabListing {
  std::string name;
  std::string status;  // "running(2), exited(1)" as compose says it, or why there is no answer
  std::string lab_file;
  bool up = false;
};

// Counts of the containers' states in the supervisor's ps reply, in the order of the states.
std::string state_counts(const json::object& reply) {
  std::map<supervisor::ContainerState, int> counts;
  if (const auto* containers = reply.if_contains("containers");
      containers && containers->is_array()) {
    for (const auto& value : containers->as_array()) {
      if (!value.is_object()) continue;
      if (auto status = supervisor::container_status_from_json(value.as_object()))
        ++counts[status->state];
    }
  }
  std::string text;
  for (const auto& [state, count] : counts) {
    text += (text.empty() ? "" : ", ") + std::string(supervisor::to_string(state)) + "(" +
            std::to_string(count) + ")";
  }
  return text.empty() ? "no containers" : text;
}

LabListing list_lab(const GlobalOptions& global, const std::string& name) {
  LabListing listing;
  listing.name = name;
  GlobalOptions by_name = global;
  by_name.file.clear();
  by_name.project = name;
  auto project = resolve_project(by_name, /*need_lab=*/false);
  if (!project) {
    listing.status = project.error().to_string();
    return listing;
  }
  if (auto state = read_state(project->paths)) {
    if (const auto* file = state->if_contains("lab_file"); file && file->is_string())
      listing.lab_file = std::string(file->as_string());
  }
  NoReply why;
  auto reply = ask_supervisor(*project, {{"command", "ps"}}, kQuickTimeout, &why);
  if (reply) {
    listing.up = true;
    listing.status = state_counts(*reply);
  } else {
    listing.status = why == NoReply::not_up ? "down (left behind: srcompose -p " + name + " down)"
                                            : reply.error().to_string();
  }
  return listing;
}

}  // namespace

int run_ls(const GlobalOptions& global, const LsArguments& arguments) {
  std::vector<LabListing> labs;
  for (const auto& name : state_dir_projects(global)) {
    auto listing = list_lab(global, name);
    if (listing.up || arguments.all) labs.push_back(std::move(listing));
  }
  if (arguments.quiet) {
    for (const auto& lab : labs)
      std::printf("%s\n", lab.name.c_str());
  } else if (arguments.format == "json") {
    // Compose's keys, so that scripts written for `docker compose ls --format json` read it.
    json::array array;
    for (const auto& lab : labs) {
      array.emplace_back(
          json::object{{"Name", lab.name}, {"Status", lab.status}, {"ConfigFiles", lab.lab_file}});
    }
    std::printf("%s\n", json::serialize(array).c_str());
  } else {
    std::printf("%-24s %-32s %s\n", "NAME", "STATUS", "CONFIG FILE");
    for (const auto& lab : labs)
      std::printf("%-24s %-32s %s\n", lab.name.c_str(), lab.status.c_str(), lab.lab_file.c_str());
  }
  return 0;
}

}  // namespace srcompose::cli
