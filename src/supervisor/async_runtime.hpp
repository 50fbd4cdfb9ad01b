// SPDX-License-Identifier: GPL-2.0-or-later
// Starting a container and exec'ing into one on the supervisor's event loop. Of a start's parent
// part, the clone runs on the loop and the rest (id maps, the cgroup move, the namespaces' setup,
// the root overlay: runtime::prepare_go) on the blocking pool, where it waits on the kernel (a
// cgroup move waits for an RCU grace period) without holding up the loop or the other containers'
// starts, and where the moves of containers starting together share one grace period. An exec's
// parent part (runtime::launch_exec) runs on the launcher's thread. The child's part is followed by
// reading the sync channel when it is readable, with a deadline. So a container that stalls its
// setup, or stops a new process before its execve, delays only itself: at the deadline its
// processes are killed (and reaped whenever they die) and the start or exec fails with an error
// naming the container and the step. Several starts overlap on the one loop.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>

#include "common/error.hpp"
#include "runtime/container.hpp"
#include "supervisor/async_event.hpp"
#include "supervisor/blocking_pool.hpp"

namespace srcompose::supervisor {

// runtime::start_container without blocking the loop; gives up at `deadline`, or at once when
// `cancel` is set (a stop asked while the container starts). `launcher` is only used from
// `launcher_thread`, a pool of one thread: each clone takes the launcher 1-3 ms (the new
// namespaces), which the loop spends serving the other containers, and one thread keeps the
// launcher's requests and answers in order.
boost::asio::awaitable<Result<runtime::StartedContainer>> start_container(
    boost::asio::io_context& io, BlockingPool& pool, const plan::ContainerPlan& plan,
    const rootfs::PreparedRootfs& rootfs, const rootfs::ResolvedUser& user,
    const security::CompiledSeccomp& seccomp, const runtime::StartHooks& hooks,
    runtime::Launcher& launcher, BlockingPool& launcher_thread,
    std::chrono::steady_clock::time_point deadline, AsyncEvent& cancel);

// runtime::exec_in_container without blocking the loop; gives up at `deadline`. The exec helper is
// cloned by `launcher` on `launcher_thread`, as start_container's clone: nothing forked from the
// supervisor enters a container (sys/sealed_binary.hpp), and the loop never copies the
// supervisor's page tables for a health check. The returned process has passed its execve; the
// caller waits for it (wait_for_exit).
boost::asio::awaitable<Result<sys::ChildProcess>> exec_in_container(
    boost::asio::io_context& io, int init_pidfd, const plan::ContainerPlan& plan,
    const rootfs::ResolvedUser& user, const security::CompiledSeccomp& seccomp,
    const runtime::ExecRequest& request, runtime::Launcher& launcher, BlockingPool& launcher_thread,
    std::chrono::steady_clock::time_point deadline);

}  // namespace srcompose::supervisor
