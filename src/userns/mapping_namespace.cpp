// SPDX-License-Identifier: GPL-2.0-or-later
#include "userns/mapping_namespace.hpp"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include "sys/process.hpp"
#include "sys/syscalls.hpp"
#include "userns/id_maps.hpp"

namespace srcompose::userns {

Result<UniqueFd> make_mapping_namespace(const std::vector<spec::IdRange>& uid_map,
                                        const std::vector<spec::IdRange>& gid_map) {
  // Every signal blocked across the clone: the child then sleeps through anything but SIGKILL,
  // which is how it ends.
  sigset_t all{};
  sigset_t saved{};
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &saved);
  int pidfd = -1;
  pid_t pid = sys::clone3(CLONE_NEWUSER | CLONE_PIDFD, &pidfd, SIGCHLD);
  if (pid == 0) {
    for (;;)
      ::pause();
  }
  int clone_error = errno;
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  if (pid < 0) return Error::from_errno("clone3(CLONE_NEWUSER) for an idmapped mount", clone_error);
  sys::ChildProcess holder(pid, UniqueFd(pidfd));  // killed and reaped on every return
  plan::UsernsPlan maps;
  maps.uid_map = uid_map;
  maps.gid_map = gid_map;
  if (auto status = write_id_maps(pid, maps); !status) return status.error();
  return sys::open_namespace(holder.pidfd(), sys::PidfdNamespace::user);
}

}  // namespace srcompose::userns
