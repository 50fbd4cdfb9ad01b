// SPDX-License-Identifier: GPL-2.0-or-later
// The state directory of a project: /run/srcompose/PROJECT (or --state-dir / SRCOMPOSE_STATE_DIR).
// Mode 0700; holds the lock, the control socket, the recorded state, the lab file copy and the
// logs.
//
// Trust: the state root must belong to root or to us and be writable by nobody else; the project
// directory is reached beneath an fd of the root (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS),
// never through a symlink, and must be ours. The files in it are opened O_NOFOLLOW. So a path
// under a checked state directory names what srcompose made, and `down -p` removes nothing but
// <root>/<valid project name>.
#pragma once

#include <filesystem>
#include <string>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace srcompose::supervisor {

inline constexpr const char* kDefaultStateRoot = "/run/srcompose";

// The state root: `override_root` when given, else $SRCOMPOSE_STATE_DIR, else /run/srcompose.
std::filesystem::path state_root(const std::string& override_root);

struct StatePaths {
  std::filesystem::path root;  // the state root
  std::string project;         // a valid project name (spec::is_project_name)
  std::filesystem::path dir;   // <root>/<project>
  std::filesystem::path lock() const { return dir / "lock"; }
  std::filesystem::path control_socket() const { return dir / "control.sock"; }
  std::filesystem::path state_file() const { return dir / "state.json"; }
  std::filesystem::path lab_copy() const { return dir / "lab.toml"; }
  // The values of the lab file's ${VAR}s as `up` resolved them (env file format).
  std::filesystem::path lab_variables() const { return dir / "lab.env"; }
  std::filesystem::path logs_dir() const { return dir / "logs"; }
  std::filesystem::path supervisor_log() const { return dir / "supervisor.log"; }
  // One JSON line per event (event_log.hpp), rotated to events.jsonl.1.
  std::filesystem::path events_file() const { return dir / "events.jsonl"; }
};

StatePaths state_paths(const std::filesystem::path& root, const std::string& project);

// The state root, opened and checked (root's or ours, writable by nobody else). `create`: made 0755
// when missing (its parents as the umask says: they are the administrator's). Absent and not
// `create`: an empty fd.
Result<UniqueFd> open_state_root(const std::filesystem::path& root, bool create);

// Creates <root> (0755) when missing, then <root>/<project> and its logs/ beneath the root's fd,
// each exactly 0700 and ours whatever existed before. Idempotent. Refuses a root that is not ours
// or writable by others, a symlink at either directory, and an invalid project name.
Status create_state_dir(const StatePaths& paths);

// Checks an existing state directory the way create_state_dir does, without creating anything:
// succeeds when it is absent. Commands that read a lab's state call it before trusting its files.
Status check_state_dir(const StatePaths& paths);

// Removes <root>/<project> and everything in it, opened beneath the root's fd and walked by fd,
// never following a symlink, and releases the project's id ranges (id_registry.hpp). Idempotent.
// Refuses an invalid name and a symlink at the directory.
Status remove_state_dir(const StatePaths& paths);

// Reads a whole small file (sys::read_whole_file). Files in a state directory are read with
// Symlinks::refuse (O_NOFOLLOW); a file the user names (the lab file) with Symlinks::follow.
enum class Symlinks { refuse, follow };
Result<std::string> read_small_file(const std::filesystem::path& path,
                                    Symlinks symlinks = Symlinks::refuse);

}  // namespace srcompose::supervisor
