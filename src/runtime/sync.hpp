// SPDX-License-Identifier: GPL-2.0-or-later
// The parent/child sync channel: a SOCK_SEQPACKET socketpair, one record per message.
//
// Parent -> child: `go` (with the mount fds as SCM_RIGHTS) once the maps are written and the hooks
// ran. Child -> parent: `ready` when the init is about to fork the workload, `failed` with the
// step, errno and a detail index when a step fails (from the init or from the workload before
// execve), `exec_pid` (with a pidfd) from exec_in_container's helper. The channel is O_CLOEXEC on
// the child side, so the parent reads EOF once the workload's execve succeeded and the init closed
// its end.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace srcompose::runtime {

// Every step the child side can fail at. Its name starts the error text: "mount /proc: ...".
enum class Step : int32_t {
  setup_fds,
  wait_for_parent,
  become_root,
  parent_death_signal,
  time_namespace,
  cgroup_namespace,
  make_mounts_private,
  attach_root,
  create_target,
  resolve_target,
  mount,
  mask,
  readonly_path,
  symlink,
  pivot_root,
  detach_old_root,
  remount_root_readonly,
  sethostname,
  setdomainname,
  dumpable,
  fork_workload,
  reset_signals,
  setsid,
  setgroups,
  setresgid,
  setresuid,
  capabilities,
  chdir,
  no_new_privs,
  close_fds,
  seccomp,
  exec,
  join_cgroup,
  join_time_namespace,
  setns,
  stdio,
  fork_into_container,
  setrlimit,
  controlling_terminal,
};

// "mount", "pivot_root", "sethostname", ...
std::string_view step_name(Step step);

struct SyncMessage {
  enum Kind : int32_t { go = 1, ready, failed, exec_pid };
  int32_t kind = 0;
  int32_t step = 0;          // failed: a Step
  int32_t error_number = 0;  // failed: errno
  int32_t detail = -1;       // failed: index into the parent's detail strings, -1 for none
  int32_t value = 0;         // exec_pid: the pid in the parent's pid namespace
};

// Largest number of fds one `go` carries (the kernel's SCM_MAX_FD is 253).
inline constexpr size_t kMaxPassedFds = 200;

// Child side, async-signal-safe: sends one message (with an optional fd). Returns 0 or errno.
int send_message(int socket_fd, const SyncMessage& message, int fd = -1);
// Child side, async-signal-safe: sends `failed` and _exits with status 127 (that of a shell whose
// command could not run).
[[noreturn]] void report_failure(int socket_fd, Step step, int error_number, int32_t detail);
// Child side, async-signal-safe: waits for `go` and stores the fds it carries (O_CLOEXEC) in `fds`
// (capacity kMaxPassedFds), their number in *count. Returns 0, or errno (EPIPE when the parent
// died).
int receive_go(int socket_fd, int* fds, size_t* count);

// Parent side: sends `go` with `fds` (may be empty).
Status send_go(int socket_fd, const std::vector<UniqueFd>& fds);

// Parent side, never blocks: what the socket holds now. A received fd is stored in *fd when `fd` is
// given (closed otherwise).
struct Received {
  enum Kind { got_message, end_of_file, nothing_yet } kind = nothing_yet;
  SyncMessage message;  // kind == got_message
};
Result<Received> try_receive_message(int socket_fd, UniqueFd* fd = nullptr);

// Parent side: the next message, waiting at most `timeout_ms`; nullopt at EOF (every child-side
// copy of the socket closed). A received fd is stored in *fd when `fd` is given. For callers that
// may block (the CLI); the supervisor's loop uses try_receive_message when the socket is readable.
Result<std::optional<SyncMessage>> receive_message(int socket_fd, int timeout_ms,
                                                   UniqueFd* fd = nullptr);

// Parent side: the error a `failed` message stands for, "mount /proc: Permission denied", using
// `details` for the detail index.
Error failure_error(const SyncMessage& message, const std::vector<std::string>& details);

}  // namespace srcompose::runtime
