// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/sync_channel.hpp"

#include <fcntl.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace srcompose::supervisor {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

asio::awaitable<Result<ChannelEnd>> read_sync_channel(
    asio::io_context& io, int fd, Clock::time_point deadline, AsyncEvent* cancel,
    const std::function<Status(const runtime::SyncMessage&, UniqueFd)>& on_message) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) co_return Result<ChannelEnd>(Error::last_errno("dup sync socket"));
  asio::posix::stream_descriptor socket(io, copy);
  asio::steady_timer timer(io);
  timer.expires_at(deadline);
  for (;;) {
    // Checked before the socket: the loop may resume here only after the child's last messages
    // have arrived, and the stop came first.
    if (cancel && cancel->is_set()) co_return ChannelEnd::cancelled;
    UniqueFd passed;
    auto received = runtime::try_receive_message(fd, &passed);
    if (!received) co_return Result<ChannelEnd>(std::move(received).error());
    if (received->kind == runtime::Received::end_of_file) co_return ChannelEnd::end_of_file;
    if (received->kind == runtime::Received::got_message) {
      if (auto status = on_message(received->message, std::move(passed)); !status) {
        co_return Result<ChannelEnd>(std::move(status).error());
      }
      continue;
    }
    if (Clock::now() >= deadline) co_return ChannelEnd::deadline;
    boost::system::error_code ignored;
    auto readable = socket.async_wait(asio::posix::stream_descriptor::wait_read,
                                      asio::redirect_error(asio::use_awaitable, ignored));
    auto expired = timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    if (cancel) {
      co_await (std::move(readable) || std::move(expired) || cancel->wait());
    } else {
      co_await (std::move(readable) || std::move(expired));
    }
  }
}

}  // namespace srcompose::supervisor
