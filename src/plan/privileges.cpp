// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/privileges.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace srcompose::plan {
namespace {

// Capabilities that reach the host itself once root in the container is host root; in a user
// namespace the kernel confines them to the namespace's own objects.
constexpr std::array<std::string_view, 6> kHostCapabilities{
    "SYS_MODULE", "SYS_RAWIO", "SYS_PTRACE", "DAC_READ_SEARCH", "BPF", "PERFMON"};

// Host trees whose bind gives the container the host's processes, devices or kernel knobs.
constexpr std::array<std::string_view, 3> kKernelTrees{"/proc", "/sys", "/dev"};

// Below /run (or /var/run): a container runtime's socket or state is root on the host.
constexpr std::array<std::string_view, 6> kRuntimeEntries{"docker.sock", "docker", "containerd",
                                                          "podman",      "crio",   "srcompose"};

bool has(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool is_at_or_below(const std::string& path, std::string_view tree) {
  return path == tree || (path.size() > tree.size() && path.compare(0, tree.size(), tree) == 0 &&
                          path[tree.size()] == '/');
}

std::string normalized(const std::filesystem::path& source) {
  std::string path = source.lexically_normal().string();
  while (path.size() > 1 && path.back() == '/')
    path.pop_back();
  return path;
}

// True for the host paths a bind must not hand out silently (`path` normalized).
bool is_privileged_source(const std::string& path) {
  if (path == "/" || path == "/run" || path == "/var/run") return true;
  for (auto tree : kKernelTrees) {
    if (is_at_or_below(path, tree)) return true;
  }
  for (std::string_view run : {"/run/", "/var/run/"}) {
    if (path.compare(0, run.size(), run) != 0) continue;
    std::string_view rest = std::string_view(path).substr(run.size());
    std::string_view first = rest.substr(0, rest.find('/'));
    for (auto entry : kRuntimeEntries) {
      if (first == entry) return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> privileged_requests(const spec::Container& container) {
  std::vector<std::string> requests;
  const bool host_ids = container.idmap.mode == spec::IdMapMode::host;
  if (host_ids) requests.push_back("idmap = \"host\"");
  if (has(container.cap_add, "ALL")) {
    requests.push_back("cap_add ALL");
  } else {
    if (has(container.cap_add, "SYS_ADMIN")) requests.push_back("cap_add SYS_ADMIN");
    for (auto capability : kHostCapabilities) {
      if (host_ids && has(container.cap_add, capability))
        requests.push_back("cap_add " + std::string(capability));
    }
  }
  if (container.seccomp == spec::SeccompMode::unconfined)
    requests.push_back("seccomp = \"unconfined\"");
  for (const auto& mount : container.mounts) {
    if (mount.type != spec::MountType::bind) continue;
    std::string source = normalized(mount.source);
    if (!is_privileged_source(source)) continue;
    requests.push_back("bind mount of " + source + " at " + mount.target +
                       (mount.readonly ? " (read-only)" : ""));
  }
  return requests;
}

std::vector<std::string> privilege_warnings(const spec::Lab& lab) {
  std::vector<std::string> warnings;
  for (const auto& container : lab.containers) {
    auto requests = privileged_requests(container);
    if (requests.empty()) continue;
    std::string line = "container " + container.name + " gets host power: ";
    for (size_t i = 0; i < requests.size(); ++i)
      line += (i ? ", " : "") + requests[i];
    warnings.push_back(std::move(line));
  }
  return warnings;
}

}  // namespace srcompose::plan
