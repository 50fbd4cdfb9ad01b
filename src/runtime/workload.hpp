// SPDX-License-Identifier: GPL-2.0-or-later
// Child side: turning a process into the workload (identity, capabilities, no_new_privs, fds,
// seccomp, execve) and the built-in init that runs as the container's PID 1.
// Async-signal-safe, no allocation: these run after clone in a copy of the supervisor.
#pragma once

#include <cerrno>
#include <cstdint>
#include <optional>

#include "runtime/child_config.hpp"
#include "runtime/sync.hpp"

namespace srcompose::runtime {

// The sync socket's fd number in the child (0, 1, 2 are the workload's stdio).
inline constexpr int kSyncFd = 3;
// The init's end report pipe (see WorkloadEnd); the workload never has it (O_CLOEXEC).
inline constexpr int kEndReportFd = 4;

// Child side: reports `step` as failed through the sync socket (and _exits) when `error` is set.
inline void must(Step step, int error, int32_t detail = -1) {
  if (error != 0) report_failure(kSyncFd, step, error, detail);
}

// The errno of a system call's result, 0 when it succeeded.
inline int errno_of(long result) {
  return result < 0 ? errno : 0;
}

// What the init tells the parent about the workload's end, in one write on kEndReportFd just before
// it exits: the init's own exit status cannot tell `exit 139` from a SIGSEGV, and only the init can
// wait for the workload. Usage is RUSAGE_CHILDREN of the init: the workload and every orphan the
// init reaped (whatever they waited for themselves included).
struct WorkloadEnd {
  static constexpr uint32_t kMagic = 0x5352454e;  // "SREN": a complete record
  uint32_t magic = 0;
  int32_t exit_code = -1;  // -1 when killed by a signal
  int32_t signal = 0;      // the signal that killed it, 0 when it exited
  int32_t core_dumped = 0;
  int64_t max_rss_kib = 0;
  int64_t user_usec = 0;
  int64_t system_usec = 0;
  int64_t voluntary_switches = 0;
  int64_t involuntary_switches = 0;
};

// Parent side: the init's report, read without blocking once the init has exited; nullopt when it
// wrote none (it was killed, e.g. by a stop that reached the whole cgroup).
std::optional<WorkloadEnd> read_workload_end(int fd);

// Sets every signal to its default action; the blocked mask is kept. Returns 0 or errno.
int reset_signal_handlers();
// Same, and unblocks every signal. Returns 0 or errno.
int reset_signals();

// Becomes the workload: user and groups, working directory, capabilities, no_new_privs, every fd
// above 2 closed on exec, seccomp last, then execve with a PATH search in the container. Never
// returns: a failing step is reported on kSyncFd, then _exit(127).
[[noreturn]] void exec_workload(const WorkloadConfig& workload);

// The built-in init, PID 1 of the container, entered with every signal blocked. Forks the workload,
// then reaps every zombie, forwards each catchable signal it receives to the workload and exits
// with the workload's status (128+signal when it was killed) as soon as the workload ends.
// `own_time_namespace`: the init unshared a time namespace for its children, which the kernel lets
// no child enter that shares the init's memory (the workload is then forked, not vforked).
[[noreturn]] void run_init(const WorkloadConfig& workload, bool own_time_namespace);

}  // namespace srcompose::runtime
