// SPDX-License-Identifier: GPL-2.0-or-later
// Thin wrappers for the system calls glibc 2.36 does not wrap (clone3, openat2, pivot_root) and a
// few small owners built on them.
//
// The raw wrappers are async-signal-safe and allocate nothing: they are called from the child after
// clone. They return what the kernel returns (-1 with errno set on failure), like libc's wrappers.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace srcompose::sys {

// clone3(2) without a new stack: the child continues here like after fork(2), with a copy of the
// caller's memory. `flags` are CLONE_* flags (CLONE_NEW*, CLONE_PIDFD, CLONE_PARENT ...); with
// CLONE_PIDFD the pidfd is stored in *pidfd (O_CLOEXEC). Returns the child's pid in the parent, 0
// in the child, -1 with errno. Unlike fork(3) no atfork handler runs, so the child of a
// multi-threaded process never waits on a lock some other thread held: it may only make
// async-signal-safe calls. `cgroup_fd`, a cgroup2 directory, places the child in that cgroup at
// its birth (CLONE_INTO_CGROUP, 5.7+); -1: the caller's cgroups.
pid_t clone3(uint64_t flags, int* pidfd, int exit_signal, int cgroup_fd = -1);

// openat2(2) (kernel 5.6+). `resolve` is RESOLVE_* (RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS ...).
// `flags` must include O_CLOEXEC if the fd is to be owned; returns the fd or -1 with errno.
// setgroups(2), setresgid(2), setresuid(2) for the child of a clone3: they change the calling
// thread's credentials and nothing else. glibc's wrappers also broadcast the change to every thread
// the process had when it was cloned (__nptl_setxid), threads that do not exist in the child; the
// broadcast waits forever for one that was inside pthread_create at the moment of the clone (the
// supervisor's blocking pool starts threads while containers are cloned).
int set_groups_of_thread(size_t count, const gid_t* groups);
int set_gids_of_thread(gid_t real, gid_t effective, gid_t saved);
int set_uids_of_thread(uid_t real, uid_t effective, uid_t saved);

int openat2(int dirfd, const char* path, uint64_t flags, uint64_t mode, uint64_t resolve);

// pivot_root(2).
int pivot_root(const char* new_root, const char* put_old);

// mount(2)'s MS_NOSUID, MS_NODEV, MS_NOEXEC and MS_RDONLY (or `readonly`) as mount_setattr(2)'s
// MOUNT_ATTR_* bits; the other flags have none.
uint64_t mount_attributes(unsigned long ms_flags, bool readonly);

// A namespace of the process behind a pidfd, as an owned nsfd. Where the kernel has them
// (kernel_features().pidfd_namespaces) the pidfs ioctls of 6.11+; else /proc/PID/ns/*.
enum class PidfdNamespace { user, time_for_children };
Result<UniqueFd> open_namespace(int pidfd, PidfdNamespace which);

// The two ways, for open_namespace and its tests. The ioctl has no /proc path and so no pid-reuse
// race. The /proc way reads the pid from the pidfd's fdinfo, opens /proc/PID/ns/*, then checks
// that the pidfd's process still exists: had it been reaped in between, the pid could name another
// process, and the nsfd is refused (ESRCH).
Result<UniqueFd> open_namespace_by_ioctl(int pidfd, PidfdNamespace which);
Result<UniqueFd> open_namespace_by_proc(int pidfd, PidfdNamespace which);

// Whether the mount `fd`'s file is on appears in this process's mount namespace (false for a
// detached mount, such as an open_tree clone). Where the kernel has it
// (kernel_features().statmount) one statmount(2) of that mount; else a read through
// /proc/self/mountinfo (about 0.4 ms with a hundred mounts, and hosts with many containers have
// hundreds).
Result<bool> mount_is_attached(int fd);

// The two ways, for mount_is_attached and its tests. statmount answers ENOENT for a mount in no
// mount namespace of ours; the error of the by-statmount way is the kernel's (EINVAL when statx
// has no unique mount id, ENOSYS without statmount: both before 6.8).
Result<bool> mount_attached_by_statmount(int fd);
Result<bool> mount_attached_by_mountinfo(int fd);

// The pid behind a pidfd (the "Pid:" line of its fdinfo), ESRCH once the process was reaped.
Result<pid_t> pidfd_pid(int pidfd);

}  // namespace srcompose::sys
