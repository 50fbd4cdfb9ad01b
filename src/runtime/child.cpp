// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime/child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/child_mounts.hpp"
#include "runtime/sync.hpp"
#include "runtime/workload.hpp"
#include "sys/syscalls.hpp"

namespace srcompose::runtime {

namespace {

// Into the container's v1 cgroups, by the child itself before it does anything that should be
// charged to them; a failure is reported on the sync socket as it is numbered in the parent.
void join_cgroups(const ChildFds& fds) {
  for (size_t i = 0; i < fds.cgroup_tasks_count; ++i) {
    if (::write(fds.cgroup_tasks[i], "0", 1) < 0)
      report_failure(fds.sync, Step::join_cgroup, errno, -1);
  }
}

// stdin = /dev/null, stdout/stderr = the pipes, the sync socket at kSyncFd (O_CLOEXEC), and nothing
// else: the child is a copy of the supervisor and would otherwise keep its sockets, pidfds and
// other containers' pipes open for the container's whole life. Before the sync socket is in place a
// failure cannot be reported; the parent then sees EOF.
void install_fds(const ChildFds& fds) {
  if (::dup2(fds.dev_null, 0) < 0 || ::dup2(fds.stdout_write, 1) < 0 ||
      ::dup2(fds.stderr_write, 2) < 0) {
    ::_exit(127);
  }
  if (fds.sync != kSyncFd && ::dup3(fds.sync, kSyncFd, O_CLOEXEC) < 0) ::_exit(127);
  // The pipe's number in the parent may be kEndReportFd itself, held by the parent's copy of
  // another fd in ours: dup3 replaces whatever sits there.
  if (fds.end_report != kEndReportFd) {
    must(Step::setup_fds, errno_of(::dup3(fds.end_report, kEndReportFd, O_CLOEXEC)));
  }
  must(Step::setup_fds, errno_of(::close_range(kEndReportFd + 1, ~0U, 0)));
}

// Host root's supplementary groups and ids mean nothing inside; become the namespace's root now
// that the parent wrote the maps.
int become_root() {
  if (sys::set_groups_of_thread(0, nullptr) < 0) return errno;
  if (sys::set_gids_of_thread(0, 0, 0) < 0) return errno;
  if (sys::set_uids_of_thread(0, 0, 0) < 0) return errno;
  return 0;
}

// Set after become_root: a change of credentials clears the parent-death signal. Inside a new pid
// namespace getppid() is 0, so the sync socket closes the race instead: a parent that died before
// the signal was armed has closed its end, which shows as a hang-up.
int die_with_parent() {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) return errno;
  pollfd check{kSyncFd, POLLRDHUP, 0};
  if (::poll(&check, 1, 0) < 0) return errno;
  if (check.revents & (POLLRDHUP | POLLHUP)) ::_exit(127);
  return 0;
}

// A time namespace's offsets can only be set before any process entered it: unshare makes it the
// namespace of our future children (the workload), and we set its offsets while it is still empty.
// The identity change made us non-dumpable, which hands /proc/self's files to the host's root; for
// this one write we are dumpable again (nothing else runs in the container yet).
int enter_time_namespace(const ChildConfig& config) {
  if (::unshare(CLONE_NEWTIME) < 0) return errno;
  if (::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) return errno;
  int fd = ::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t written = ::write(fd, config.time_offsets, config.time_offsets_length);
  int error = written < 0 ? errno : 0;
  ::close(fd);
  return error;
}

int apply_mounts(const ChildConfig& config, int root_fd, const int* fds, size_t fd_count) {
  int anchors[kMaxMountAnchors];
  for (int& anchor : anchors)
    anchor = -1;
  for (const MountOp& op : config.mounts) {
    Step step = Step::mount;
    if (int error = apply_mount_op(config, op, root_fd, fds, fd_count, anchors, &step);
        error != 0) {
      report_failure(kSyncFd, step, error, op.detail);
    }
  }
  for (int anchor : anchors) {
    if (anchor >= 0) ::close(anchor);
  }
  return 0;
}

int remount_root_readonly(int root_fd) {
  mount_attr attributes{};
  attributes.attr_set = MOUNT_ATTR_RDONLY;
  return errno_of(::mount_setattr(root_fd, "", AT_EMPTY_PATH, &attributes, sizeof attributes));
}

}  // namespace

void run_container_child(const ChildConfig& config, ChildFds fds) {
  join_cgroups(fds);
  install_fds(fds);
  // The supervisor's handlers (Asio's signal_set) must never run in this copy of it; signals stay
  // blocked (the parent blocked them around clone3) until the init waits for them.
  must(Step::reset_signals, reset_signal_handlers());
  int received[kMaxPassedFds];
  size_t received_count = 0;
  must(Step::wait_for_parent, receive_go(kSyncFd, received, &received_count));
  if (received_count == 0) must(Step::attach_root, EBADF);
  const int root_fd = received[0];

  if (config.user_namespace) must(Step::become_root, become_root());
  must(Step::parent_death_signal, die_with_parent());
  if (config.time_offsets) must(Step::time_namespace, enter_time_namespace(config));
  // Non-dumpable: processes of the container cannot ptrace the init or open its /proc files. Set
  // after every step that needs /proc/self; the workload's execve makes it dumpable again.
  must(Step::dumpable, errno_of(::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)));
  // Only now: the parent's hook has placed us in our cgroup, which becomes the namespace's root.
  if (config.cgroup_namespace) must(Step::cgroup_namespace, errno_of(::unshare(CLONE_NEWCGROUP)));

  must(Step::attach_root, attach_root(root_fd));
  apply_mounts(config, root_fd, received, received_count);
  Step step = Step::pivot_root;
  const int pivot_error = enter_root(&step);
  must(step, pivot_error);
  if (config.read_only_root) must(Step::remount_root_readonly, remount_root_readonly(root_fd));
  // The mounts are in place; their fds are not needed any more.
  must(Step::close_fds, errno_of(::close_range(kEndReportFd + 1, ~0U, 0)));

  if (config.hostname) {
    must(Step::sethostname, errno_of(::sethostname(config.hostname, config.hostname_length)));
    must(Step::setdomainname,
         errno_of(::setdomainname(config.domainname, config.domainname_length)));
  }
  run_init(config.workload, config.time_offsets != nullptr);
}

}  // namespace srcompose::runtime
