// The state directory of a project: /run/srcompose/PROJECT (or --state-dir / SRCOMPOSE_STATE_DIR).
// Mode 0700; holds the lock, the control socket, the recorded state and the logs.
#pragma once

#include <filesystem>
#include <string>

namespace srcompose::supervisor {

inline constexpr const char* kDefaultStateRoot = "/run/srcompose";

// The state root: `override_root` when given, else $SRCOMPOSE_STATE_DIR, else /run/srcompose.
std::filesystem::path state_root(const std::string& override_root);

struct StatePaths {
  std::filesystem::path dir;  // <root>/<project>
  std::filesystem::path lock() const { return dir / "lock"; }
  std::filesystem::path control_socket() const { return dir / "control.sock"; }
  std::filesystem::path state_file() const { return dir / "state.json"; }
  std::filesystem::path lab_copy() const { return dir / "lab.toml"; }
  std::filesystem::path logs_dir() const { return dir / "logs"; }
  std::filesystem::path report_file() const { return dir / "report.json"; }
};

StatePaths state_paths(const std::filesystem::path& root, const std::string& project);

}  // namespace srcompose::supervisor
