// The state directory of a project: /run/srcompose/PROJECT (or --state-dir / SRCOMPOSE_STATE_DIR).
// Mode 0700; holds the lock, the control socket, the recorded state, the lab file copy and the
// logs.
#pragma once

#include <filesystem>
#include <string>

#include "common/error.hpp"

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
  // The values of the lab file's ${VAR}s as `up` resolved them (env file format).
  std::filesystem::path lab_variables() const { return dir / "lab.env"; }
  std::filesystem::path logs_dir() const { return dir / "logs"; }
  std::filesystem::path supervisor_log() const { return dir / "supervisor.log"; }
};

StatePaths state_paths(const std::filesystem::path& root, const std::string& project);

// Creates <root> (0755) and <root>/<project> and its logs/ (0700). Idempotent.
Status create_state_dir(const StatePaths& paths);

// Removes the project's state directory and everything in it. Idempotent.
Status remove_state_dir(const StatePaths& paths);

// Writes `content` to `path` atomically (temporary file, fsync-free rename), mode 0600.
Status write_file_atomically(const std::filesystem::path& path, std::string_view content);

// Reads a whole small file.
Result<std::string> read_small_file(const std::filesystem::path& path);

}  // namespace srcompose::supervisor
