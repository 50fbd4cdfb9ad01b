// SPDX-License-Identifier: GPL-2.0-or-later
// The launcher: a small process that clones the containers on the supervisor's behalf (issue 16).
//
// A container's init is a clone of the process that calls clone3, and it never execs: it shares
// that process's memory copy-on-write for the container's whole life. Cloned from the supervisor
// (megabytes of heap, four pool threads), every start copied the supervisor's page tables and
// write-protected its heap, and every page the supervisor wrote afterwards was copied once more,
// each time with a TLB shootdown to the CPUs of its pool threads: a fifth of `up`'s CPU time on the
// kernel's side. The launcher is the sealed binary started afresh (`srcompose __launcher`, an exec
// of /proc/self/exe, which is the read-only copy: sys/sealed_binary.hpp), single-threaded, with a
// heap of a few pages; it clones each container from there, and each exec helper (a health
// check's, runtime/exec_helper.hpp), so that nothing forked from the supervisor ever enters a
// container and the supervisor itself need not run from the sealed binary.
//
// The container is cloned with CLONE_PARENT, so it is the supervisor's child as before: the
// supervisor reaps it through its pidfd and the init's parent-death signal follows the supervisor.
// The launcher is the child of the thread that spawned it and dies with it (PR_SET_PDEATHSIG); it
// ends when its socket closes.
//
// Protocol, one SOCK_SEQPACKET record each way and nothing else in flight: the request is what to
// clone (a container, an exec helper), its flags and the encoded ChildConfig
// (runtime/config_codec.hpp) with the child's fds as SCM_RIGHTS; the reply is an errno (0) and the
// pid, with the pidfd as SCM_RIGHTS.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "runtime/child.hpp"
#include "runtime/child_config.hpp"
#include "runtime/exec_helper.hpp"
#include "sys/process.hpp"

namespace srcompose::runtime {

// argv[1] of the launcher's process; main() hands over to run_launcher when it sees it.
inline constexpr const char* kLauncherCommand = "__launcher";

class Launcher {
 public:
  // Starts `binary __launcher` (default: the sealed copy of this process's binary,
  // sys::sealed_binary_path) as a child of the calling thread, which
  // must live as long as the containers: their parent-death signal follows it. Returns at once;
  // the launcher's first answer waits for its exec. Each answer is awaited at most
  // `answer_timeout`: a clone takes about a millisecond, but the first answer follows the exec of
  // the whole srcompose binary, which a slow guest (the QEMU matrix, four labs at once on one
  // emulated CPU) may stretch past 10 s; the default is the container setup's own deadline.
  static Result<Launcher> spawn(
      const std::filesystem::path& binary = {},
      std::chrono::milliseconds answer_timeout = std::chrono::seconds(60));
  // The same launcher, not started yet: start() starts it, or else the first request does, on
  // the calling thread (which its parent-death signal then follows). posix_spawn waits for the
  // exec (about 1.5 ms of a `run`), so a supervisor starts it on the thread that will talk to it
  // rather than holding up its loop.
  static Launcher deferred(const std::filesystem::path& binary = {},
                           std::chrono::milliseconds answer_timeout = std::chrono::seconds(60));
  // Starts it unless it runs (or ran and has not failed since).
  Status start();

  // Clones a container: the child runs run_container_child(config, fds) with `fds` as numbered in
  // this process. `clone_flags` are the namespaces; CLONE_PIDFD and CLONE_PARENT are added. A
  // launcher that is gone (killed) is replaced and asked again; one that broke off an exchange
  // (no answer in time) is replaced at the next call.
  Result<sys::ChildProcess> clone_container(const ChildConfig& config, uint64_t clone_flags,
                                            const ChildFds& fds);

  // Clones an exec helper, which runs run_exec_helper(helper) with `helper`'s fds as numbered in
  // this process (and helper.workload from `config`), cloned into the cgroup2 directory
  // `clone_into_cgroup` unless -1. The helper is this process's child (CLONE_PARENT). Replaced
  // and asked again as clone_container.
  Result<sys::ChildProcess> clone_exec_helper(const ChildConfig& config, const ExecHelper& helper,
                                              int clone_into_cgroup);

  pid_t pid() const { return process_.pid(); }

 private:
  Launcher(sys::ChildProcess process, UniqueFd socket, std::filesystem::path binary,
           std::chrono::milliseconds answer_timeout)
      : process_(std::move(process)),
        socket_(std::move(socket)),
        binary_(std::move(binary)),
        answer_timeout_(answer_timeout) {}
  Status respawn();
  // errno of a failed send (0: sent); the socket is reset unless the request alone was at fault.
  int send_request(const std::string& request, const int* fds, size_t fd_count);
  // Sends the request (to a new launcher when this one is gone) and reads the answer. `what`
  // names the config in the error of a request too large.
  Result<sys::ChildProcess> ask(const std::string& request, const int* fds, size_t fd_count,
                                const std::string& what);
  Result<sys::ChildProcess> read_answer();
  std::string name() const;

  sys::ChildProcess process_;
  UniqueFd socket_;  // closed: the launcher failed, respawn before the next request
  std::filesystem::path binary_;
  std::chrono::milliseconds answer_timeout_;
};

// The launcher's side, for main(): serves requests on fd 3 until it closes, then exits. Expects
// argv = {any, kLauncherCommand, parent pid}.
[[noreturn]] void run_launcher(int argc, char** argv);

}  // namespace srcompose::runtime
