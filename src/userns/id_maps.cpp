// SPDX-License-Identifier: GPL-2.0-or-later
#include "userns/id_maps.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "common/unique_fd.hpp"

namespace srcompose::userns {

std::string format_id_map(const std::vector<spec::IdRange>& ranges) {
  std::string text;
  for (const auto& range : ranges) {
    text += std::to_string(range.inside) + " " + std::to_string(range.outside) + " " +
            std::to_string(range.count) + "\n";
  }
  return text;
}

namespace {

Status write_map(pid_t pid, const char* name, const std::vector<spec::IdRange>& ranges) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  if (ranges.empty()) return Error::message("write " + path + ": the plan maps no id");
  std::string text = format_id_map(ranges);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return Error::last_errno("open " + path);
  // The kernel takes the whole map from a single write and refuses any later one (EPERM).
  ssize_t written = ::write(fd.get(), text.data(), text.size());
  if (written < 0) {
    std::string shown = text.substr(0, text.size() - 1);  // one line per range, shown as "a; b"
    for (size_t at = shown.find('\n'); at != std::string::npos; at = shown.find('\n', at)) {
      shown.replace(at, 1, "; ");
    }
    return Error::last_errno("write " + path + " \"" + shown + "\"");
  }
  if (static_cast<size_t>(written) != text.size()) {
    return Error::message("write " + path + ": short write");
  }
  return {};
}

}  // namespace

Status write_id_maps(pid_t pid, const plan::UsernsPlan& plan) {
  if (auto status = write_map(pid, "uid_map", plan.uid_map); !status) return status;
  return write_map(pid, "gid_map", plan.gid_map);
}

}  // namespace srcompose::userns
