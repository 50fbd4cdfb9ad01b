// SPDX-License-Identifier: GPL-2.0-or-later
// `srcompose port NAME PORT`: where on the host a container's port is published, as `docker compose
// port` prints it, from the lab file the running lab came up with.
#include <charconv>
#include <cstdio>

#include "cli/commands.hpp"

namespace srcompose::cli {

namespace {

// "80" or "80/udp" (the suffix wins over --protocol).
Result<std::pair<uint16_t, spec::Protocol>> parse_private_port(const std::string& text,
                                                               const std::string& protocol) {
  std::string_view number = text;
  std::string_view suffix = protocol;
  if (auto slash = number.find('/'); slash != std::string_view::npos) {
    suffix = number.substr(slash + 1);
    number = number.substr(0, slash);
  }
  uint16_t port = 0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), port);
  if (number.empty() || error != std::errc{} || end != number.data() + number.size() || port == 0 ||
      (suffix != "tcp" && suffix != "udp")) {
    return Error::message("port " + text + ": expected a port number such as 80 or 80/udp");
  }
  return std::pair{port, suffix == "udp" ? spec::Protocol::udp : spec::Protocol::tcp};
}

}  // namespace

int run_port(const GlobalOptions& global, const PortArguments& arguments) {
  auto wanted = parse_private_port(arguments.port, arguments.protocol);
  if (!wanted) return report_error(wanted.error());
  auto project = resolve_project(global, /*need_lab=*/false);
  if (!project) return report_error(project.error());
  auto lab = load_running_lab(*project);
  if (!lab) return report_error(lab.error());
  const spec::Container* container = lab->find_container(arguments.container);
  if (!container) {
    return report_error(
        Error::message("no container " + arguments.container + " in lab " + project->name));
  }
  const auto [port, protocol] = *wanted;
  for (const auto& mapping : container->ports) {
    if (mapping.container_port != port || mapping.protocol != protocol) continue;
    std::printf("%s:%u\n", spec::to_string(mapping.host_ip).c_str(), mapping.host_port);
    return 0;
  }
  return report_error(Error::message("container " + arguments.container + " publishes no port " +
                                     std::to_string(port) + "/" +
                                     std::string(spec::to_string(protocol))));
}

}  // namespace srcompose::cli
