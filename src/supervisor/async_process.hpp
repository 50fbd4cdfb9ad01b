// SPDX-License-Identifier: GPL-2.0-or-later
// Waiting for child processes on the supervisor's event loop. Nothing here blocks the loop: a
// process is watched through a duplicate of its pidfd (readable once it exited) and reaped with
// WNOHANG, so a process that never ends (stopped, frozen, hostile) costs a pending wait, never the
// loop.
//
// Why a duplicate: asio's descriptor closes what it holds, and it sets O_NONBLOCK on the open file
// description, which every dup of the pidfd shares; sys::ChildProcess::wait() copes with that.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <optional>

#include "common/error.hpp"
#include "sys/process.hpp"

namespace srcompose::supervisor {

// Returns once `process` exited or at `deadline`, whichever comes first: the exit status (it was
// reaped), or nullopt while it still runs. Errors: dup/waitid failures.
boost::asio::awaitable<Result<std::optional<sys::ExitStatus>>> wait_for_exit(
    boost::asio::io_context& io, sys::ChildProcess& process,
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());

// SIGKILL now and reap whenever it dies, in a coroutine of its own on the loop: the caller never
// waits (a frozen process dies only once thawed). A process that is still there when the loop
// ends is reaped by its owner's destructor.
void kill_and_reap_later(boost::asio::io_context& io, sys::ChildProcess process);

}  // namespace srcompose::supervisor
