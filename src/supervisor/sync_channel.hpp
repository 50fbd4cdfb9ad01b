// SPDX-License-Identifier: GPL-2.0-or-later
// The supervisor's side of a starting child's sync channel (runtime/sync.hpp), read on the event
// loop: whenever the socket is readable, with a deadline, and with a stop that wins.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "runtime/sync.hpp"
#include "supervisor/async_event.hpp"

namespace srcompose::supervisor {

enum class ChannelEnd { end_of_file, deadline, cancelled };

// Reads the sync channel `fd` whenever it is readable, passing each message (and the fd it carried)
// to `on_message`, until every child-side copy is closed, `deadline` passes or `cancel` (optional)
// is set. An error from `on_message` ends the reading. A set `cancel` wins over whatever the child
// sent meanwhile: once a start is stopped, no late `ready` makes it a running container (the stop
// found no init to signal, and a teardown would wait for that container forever).
boost::asio::awaitable<Result<ChannelEnd>> read_sync_channel(
    boost::asio::io_context& io, int fd, std::chrono::steady_clock::time_point deadline,
    AsyncEvent* cancel,
    const std::function<Status(const runtime::SyncMessage&, UniqueFd)>& on_message);

}  // namespace srcompose::supervisor
