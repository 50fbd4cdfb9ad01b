// SPDX-License-Identifier: GPL-2.0-or-later
// [containers.NAME] ulimits and sysctls: what the workload's process and its namespaces get beyond
// cgroup limits.
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "spec/loader.hpp"
#include "spec/values.hpp"

namespace srcompose::spec::detail {
namespace {

struct UlimitName {
  std::string_view name;
  int resource;
};
constexpr std::array<UlimitName, 7> kUlimits{{{"core", RLIMIT_CORE},
                                              {"cpu", RLIMIT_CPU},
                                              {"fsize", RLIMIT_FSIZE},
                                              {"memlock", RLIMIT_MEMLOCK},
                                              {"nofile", RLIMIT_NOFILE},
                                              {"nproc", RLIMIT_NPROC},
                                              {"stack", RLIMIT_STACK}}};

std::optional<uint64_t> parse_rlimit_value(std::string_view text) {
  if (text == "unlimited" || text == "-1") return RLIM_INFINITY;
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Sysctls that belong to a namespace the container has of its own (net, ipc); every other key
// would change the host for everyone.
bool is_namespaced_sysctl(std::string_view key) {
  return key.starts_with("net.") || key.starts_with("kernel.shm") ||
         key.starts_with("kernel.msg") || key == "kernel.sem" || key.starts_with("fs.mqueue.");
}

bool is_sysctl_name(std::string_view key) {
  if (key.empty() || key.front() == '.' || key.back() == '.' ||
      key.find("..") != std::string_view::npos) {
    return false;
  }
  return is_name_text(key, "_-.");
}

}  // namespace

void read_ulimits(Reader& reader, const toml::node& node, std::string_view path,
                  std::vector<Ulimit>& ulimits) {
  const auto* table = reader.table(node, path);
  if (table == nullptr) return;
  for (const auto& entry : Reader::in_file_order(*table)) {
    std::string name(entry.key->str());
    std::string key_path = join_key(path, name);
    auto known = std::find_if(kUlimits.begin(), kUlimits.end(),
                              [&](const UlimitName& each) { return each.name == name; });
    if (known == kUlimits.end()) {
      reader.error(reader.at(*entry.key), key_path,
                   "found ulimit \"" + name +
                       "\"; expected one of core, cpu, fsize, memlock, nofile, nproc, stack");
      continue;
    }
    std::optional<uint64_t> soft, hard;
    if (const auto* number = entry.node->as_integer(); number && number->get() >= 0) {
      soft = hard = static_cast<uint64_t>(number->get());
    } else if (const auto* text = entry.node->as_string()) {
      std::string_view value = text->get();
      auto colon = value.find(':');
      soft = parse_rlimit_value(value.substr(0, colon));
      hard = colon == std::string_view::npos ? soft : parse_rlimit_value(value.substr(colon + 1));
    }
    if (!soft || !hard) {
      reader.error(*entry.node, key_path,
                   "found " + describe(*entry.node) +
                       "; expected a number, \"unlimited\" or \"soft:hard\" such as \"1024:4096\"");
      continue;
    }
    if (*soft > *hard) {
      reader.error(*entry.node, key_path,
                   "found " + describe(*entry.node) + ": the soft limit is above the hard limit");
      continue;
    }
    ulimits.push_back(Ulimit{name, known->resource, *soft, *hard});
  }
  std::sort(ulimits.begin(), ulimits.end(),
            [](const Ulimit& a, const Ulimit& b) { return a.name < b.name; });
}

void read_sysctls(Reader& reader, const toml::node& node, std::string_view path,
                  std::map<std::string, std::string>& sysctls) {
  const auto* table = reader.table(node, path);
  if (table == nullptr) return;
  for (const auto& entry : Reader::in_file_order(*table)) {
    std::string key(entry.key->str());
    std::string key_path = join_key(path, key);
    if (!is_sysctl_name(key) || !is_namespaced_sysctl(key)) {
      reader.error(reader.at(*entry.key), key_path,
                   "found sysctl \"" + key +
                       "\": not one of a container's own namespaces; expected net.*, "
                       "kernel.shm*, kernel.msg*, kernel.sem or fs.mqueue.*");
      continue;
    }
    if (const auto* number = entry.node->as_integer()) {
      sysctls[key] = std::to_string(number->get());
    } else if (auto text = reader.string(*entry.node, key_path)) {
      if (text->find_first_of(std::string_view("\n\0", 2)) != std::string::npos) {
        reader.error(*entry.node, key_path, "found a newline or NUL; expected one line");
        continue;
      }
      sysctls[key] = *text;
    }
  }
}

}  // namespace srcompose::spec::detail
