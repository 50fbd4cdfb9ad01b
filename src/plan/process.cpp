// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/process.hpp"

#include <map>

namespace srcompose::plan {
namespace {

// Root's home for uid 0 (numeric or by name); "/" otherwise. The rootfs's /etc/passwd is not read
// here (pure code); a lab that needs another HOME sets it in `env`.
std::string default_home(std::string_view user) {
  std::string_view name = user.substr(0, user.find(':'));
  return name == "0" || name == "root" ? "/root" : "/";
}

}  // namespace

ProcessPlan plan_process(const spec::Lab& lab, const spec::Container& container) {
  (void)lab;
  ProcessPlan plan;
  plan.argv = container.command.empty() ? std::vector<std::string>{"/bin/sh"} : container.command;
  // The lab's env wins over every default: a lab may set its own PATH or TERM.
  std::map<std::string, std::string> env{
      {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
      {"HOME", default_home(container.user)},
      {"HOSTNAME", container.hostname},
      {"TERM", "xterm"},
  };
  for (const auto& [name, value] : container.env)
    env[name] = value;
  for (const auto& [name, value] : env)
    plan.env.push_back(name + "=" + value);
  plan.user = container.user;
  plan.workdir = container.workdir;
  plan.hostname = container.hostname;
  plan.domainname = container.domainname;
  plan.time_offsets = container.time_offsets;
  plan.ulimits = container.ulimits;
  std::map<std::string, std::string> sysctls(container.sysctls);
  for (const auto& [key, value] : kDefaultSysctls)
    sysctls.emplace(key, value);  // the lab's own value wins
  plan.sysctls.assign(sysctls.begin(), sysctls.end());
  return plan;
}

}  // namespace srcompose::plan
