// SPDX-License-Identifier: GPL-2.0-or-later
// Running one container on the real kernel: clone3 into new namespaces, the parent/child sync
// protocol, the child's mounts and identity, the built-in init; and exec into a running container.
//
// Sequence. Parent, before clone: bind sources cloned (open_tree) by host root, the child's whole
// program precomputed (ChildConfig). clone3(CLONE_PIDFD | the plan's namespaces except cgroup and
// time: runtime/namespaces.hpp decides, for clone, child and exec alike). Parent, while the child
// waits on the sync socket: uid_map/gid_map, hooks.after_clone, the root made as a detached
// overlayfs whose lower layer is an idmapped clone of the image (idmapped to the child's user
// namespace, so the image's root-owned files are root's inside while the image on disk is shared
// and never written), then `go` with the mount fds. Child (child.cpp, one checklist): become root
// of its user namespace, parent-death signal, time namespace offsets, cgroup namespace, all mounts
// private, the root stacked over "/", every mount target resolved inside it (RESOLVE_IN_ROOT),
// pivot_root, read-only root, hostname; then it becomes the init (workload.cpp).
//
// Mounts live only in the container's mount namespace, or detached while being passed: when the
// container dies, or a start fails, nothing is left on the host's mount table.
// /sys/fs/cgroup shows the container's own cgroups, read-only, rooted at its own cgroup (cgroup
// namespace): cgroup2 on a pure v2 host, one cgroupfs per hierarchy on v1 and hybrid hosts (as the
// host lays them out); a mount the kernel refuses fails the start. A filesystem under the image
// without idmapped mount support (NFS, ...) fails the start with a message pointing at idmap =
// "host". Read-only bind mounts come from the host's root and are not locked: a container given
// CAP_SYS_ADMIN (and seccomp "unconfined") could make them writable again.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "plan/lab_plan.hpp"
#include "rootfs/prepare.hpp"
#include "runtime/sync.hpp"
#include "security/seccomp.hpp"
#include "sys/process.hpp"

namespace srcompose::runtime {

class Launcher;

// How the init enters the container's cgroups by itself (cgroup::Entry says why): fds of the
// caller's, open for the duration of the start.
struct CgroupEntryFds {
  int clone_into = -1;     // a cgroup2 directory: clone3's CLONE_INTO_CGROUP
  std::vector<int> tasks;  // v1 `tasks` files the child writes "0" to first of all
};

// Parent-side work done after clone while the child waits on the sync socket (what is left of the
// cgroup placement, veth moves). Called with the child's host pid and pidfd, after uid/gid maps are
// written. An error aborts the start (the child is killed and reaped); undoing what the hook itself
// made is the caller's job. `cgroup_entry`: the cgroups the child enters by itself.
struct StartHooks {
  std::function<Status(pid_t pid, int pidfd)> after_clone;
  CgroupEntryFds cgroup_entry;
};

struct StartedContainer {
  sys::ChildProcess init;             // the container's PID 1 (the built-in init), owned
  UniqueFd stdout_read, stderr_read;  // workload's stdout/stderr pipes (O_CLOEXEC | O_NONBLOCK)
  // Read end of the init's end report (O_CLOEXEC | O_NONBLOCK): read_workload_end() once the init
  // has exited.
  UniqueFd end_report_read;
};

// How long a parent waits for the child's next word during a start or an exec before it kills it.
inline constexpr std::chrono::milliseconds kSetupTimeout{60'000};

// The child's reports of its setup, read from the sync channel (runtime/sync.hpp). Bookkeeping
// only: the caller reads the channel, blocking (start_container) or on an event loop when the
// socket is readable (the supervisor), so that no container can make the loop wait.
class SetupProgress {
 public:
  SetupProgress() = default;
  SetupProgress(std::vector<std::string> details, std::string command);
  // One message from the child: the error when it reports a failed step.
  Status on_message(const SyncMessage& message);
  // At the channel's end (every child-side copy closed): true when the init said `ready` before,
  // i.e. the workload's execve succeeded.
  bool ready() const { return ready_; }
  // The step the child is in while the parent waits, for a timeout's message.
  std::string waiting_for() const;

 private:
  std::vector<std::string> details_;
  std::string command_;
  bool ready_ = false;
};

// The first half of a start (below): everything up to `go`, done in the parent at once. The child
// then sets itself up while the caller reads its reports from `sync` into `progress`; the start
// succeeded when the channel ends with progress.ready(). Dropping it kills and reaps the init.
struct LaunchedContainer {
  sys::ChildProcess init;
  UniqueFd sync;  // the parent's end of the sync channel
  UniqueFd stdout_read, stderr_read;
  UniqueFd end_report_read;
  SetupProgress progress;
};
Result<LaunchedContainer> launch_container(const plan::ContainerPlan& plan,
                                           const rootfs::PreparedRootfs& rootfs,
                                           const rootfs::ResolvedUser& user,
                                           const security::CompiledSeccomp& seccomp,
                                           const StartHooks& hooks, Launcher* launcher = nullptr);

// launch_container in its three steps, for a caller that runs the middle one on another thread
// (the supervisor: its loop must not wait on the kernel's grace periods of a cgroup move, nor on
// the setns threads and the overlay of one container while the others could proceed).
//
// 1. clone_container: the child's program and fds, clone3. Cheap; on the caller's thread (signals
//    are blocked around the clone on it).
// 2. prepare_go: id maps, hooks.after_clone, the root mount; returns the fds `go` passes. Touches
//    nothing but its arguments, so it may run on any thread while the child waits; blocks on the
//    kernel (milliseconds).
// 3. runtime::send_go(launched.sync, fds), then read the sync channel as launch_container's caller
//    does.
// An error anywhere leaves the init to its owner in `launched`, which kills and reaps it.
struct GoInputs {
  pid_t pid = -1;
  int pidfd = -1;  // borrowed: the init's owner outlives prepare_go
  bool user_namespace = false;
  std::vector<UniqueFd> bind_fds;  // one detached bind mount per bind step, in plan order
};
struct ClonedContainer {
  LaunchedContainer launched;
  std::vector<UniqueFd> bind_fds;
  bool user_namespace = false;
  // Moves the bind mounts out: call once.
  GoInputs go_inputs() {
    return GoInputs{launched.init.pid(), launched.init.pidfd(), user_namespace,
                    std::move(bind_fds)};
  }
};
// `launcher`: clone from there (runtime/launcher.hpp); null: clone from this process. `cgroups`:
// what the child enters by itself (StartHooks::cgroup_entry).
Result<ClonedContainer> clone_container(const plan::ContainerPlan& plan,
                                        const rootfs::ResolvedUser& user,
                                        const security::CompiledSeccomp& seccomp,
                                        Launcher* launcher, const CgroupEntryFds& cgroups);
Result<std::vector<UniqueFd>> prepare_go(const plan::ContainerPlan& plan,
                                         const rootfs::PreparedRootfs& rootfs, GoInputs inputs,
                                         const StartHooks& hooks);

// The error of a start whose child went silent for `timeout`, naming the step it was in.
Error setup_timeout_error(const SetupProgress& progress, std::chrono::milliseconds timeout);
// The error of a start whose init ended before `ready` without saying why.
Error init_ended_error(const sys::ExitStatus& status);

// Parent side, needs root; blocks for the duration of the setup (milliseconds; at most
// kSetupTimeout of silence from the child before it kills it): launch_container, then the sync
// channel read to its end. Starts the container's built-in init in new namespaces
// (plan.namespaces, made as runtime::namespace_flags says) with `rootfs` as an
// overlay root, and returns once the workload's execve succeeded. Its failure is reported like any
// other step: "container web: exec /bin/httpd: No such file or directory". On any failure
// everything made so far is undone (child killed and reaped, mount fds closed: every mount lived
// only in the child's mount namespace) and the Error names the step: "mount /proc", "pivot_root",
// "sethostname", ... Requires a kernel with clone3, openat2, the new mount API and overlayfs'
// "lowerdir+" by fd (6.13+) and, with a user namespace, a filesystem under the image that supports
// idmapped mounts. `launcher`: as for clone_container.
Result<StartedContainer> start_container(const plan::ContainerPlan& plan,
                                         const rootfs::PreparedRootfs& rootfs,
                                         const rootfs::ResolvedUser& user,
                                         const security::CompiledSeccomp& seccomp,
                                         const StartHooks& hooks, Launcher* launcher = nullptr);

struct ExecRequest {
  std::vector<std::string> argv;
  std::vector<std::string> extra_env;  // "KEY=value", replacing the plan's entry of the same name
  std::string workdir;                 // `exec -w`; empty: the plan's
  int stdin_fd = 0, stdout_fd = 1, stderr_fd = 2;
  bool controlling_terminal = false;  // stdin is a pty slave the process takes as its terminal
  std::vector<std::filesystem::path> cgroup_procs_files;  // the container's cgroup.procs files
  // The caller's way into the container's cgroups without the kernel's global lock, instead of
  // (or beside) cgroup_procs_files (cgroup::Entry): the helper is cloned into `clone_into` and
  // writes "0" to each of `tasks` (fds of the caller's, open for the duration of the launch).
  CgroupEntryFds cgroup_entry;
};

// The reports of an exec's helper and of the new process before its execve (runtime/sync.hpp), read
// by the caller as for SetupProgress.
class ExecProgress {
 public:
  ExecProgress() = default;
  ExecProgress(std::vector<std::string> details, std::string command);
  // One message, with the fd it carried (the new process's pidfd in `exec_pid`).
  void on_message(const SyncMessage& message, UniqueFd passed);
  // After the channel's end and the helper's exit: the process, or why there is none.
  Result<sys::ChildProcess> finish(const sys::ExitStatus& helper_exit);
  // The process announced so far (for a caller that gives up: it kills and reaps it).
  sys::ChildProcess take_process() { return std::move(process_); }
  std::string waiting_for() const;

 private:
  std::vector<std::string> details_;
  std::string command_;
  sys::ChildProcess process_;
  std::optional<Error> failure_;
};

// The first half of exec_in_container: the helper is started and joins the container while the
// caller reads `sync` into `progress` to its end, then reaps `helper` and calls progress.finish().
struct LaunchedExec {
  sys::ChildProcess helper;
  UniqueFd sync;
  ExecProgress progress;
};
// The helper is cloned by `launcher` (the supervisor: nothing forked from it enters a container),
// or from this process when it is null (the CLI's exec, which runs from the sealed binary).
Result<LaunchedExec> launch_exec(int init_pidfd, const plan::ContainerPlan& plan,
                                 const rootfs::ResolvedUser& user,
                                 const security::CompiledSeccomp& seccomp,
                                 const ExecRequest& request, Launcher* launcher);

// Parent side, needs root. Runs argv inside the running container whose init is `init_pidfd`: joins
// its cgroups (cgroup_procs_files), its time namespace, then all its namespaces at once via
// setns(pidfd), forks into its pid namespace, takes `user`, the plan's workdir, capabilities,
// no_new_privs and `seccomp`, and execs with the plan's environment plus extra_env. The request's
// fds become 0/1/2 of the new process; nothing else is inherited. Returns the owned process (a
// child of the caller, in the container's pid namespace) once its execve succeeded; the caller
// waits for it. Blocks until the execve (at most kSetupTimeout of silence, then both are killed):
// for the CLI; the supervisor reads launch_exec's channel on its loop. Errors name the step:
// "exec /bin/nope: No such file or directory".
// `launcher` as in launch_exec.
Result<sys::ChildProcess> exec_in_container(int init_pidfd, const plan::ContainerPlan& plan,
                                            const rootfs::ResolvedUser& user,
                                            const security::CompiledSeccomp& seccomp,
                                            const ExecRequest& request,
                                            Launcher* launcher = nullptr);

}  // namespace srcompose::runtime
