// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/async_process.hpp"

#include <fcntl.h>
#include <signal.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include "supervisor/spawn.hpp"

namespace srcompose::supervisor {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

asio::awaitable<Result<std::optional<sys::ExitStatus>>> wait_for_exit(
    asio::io_context& io, sys::ChildProcess& process,
    std::chrono::steady_clock::time_point deadline) {
  using Waited = Result<std::optional<sys::ExitStatus>>;
  int copy = ::fcntl(process.pidfd(), F_DUPFD_CLOEXEC, 3);
  if (copy < 0)
    co_return Waited(Error::last_errno("dup pidfd of " + std::to_string(process.pid())));
  asio::posix::stream_descriptor watch(io, copy);
  asio::steady_timer timer(io);
  timer.expires_at(deadline);
  for (;;) {
    auto exited = process.try_wait();
    if (!exited || *exited || std::chrono::steady_clock::now() >= deadline) co_return exited;
    boost::system::error_code ignored;
    co_await (watch.async_wait(asio::posix::stream_descriptor::wait_read,
                               asio::redirect_error(asio::use_awaitable, ignored)) ||
              timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored)));
  }
}

namespace {

asio::awaitable<void> reap(asio::io_context& io, std::shared_ptr<sys::ChildProcess> process) {
  (void)co_await wait_for_exit(io, *process);
}

}  // namespace

void kill_and_reap_later(asio::io_context& io, sys::ChildProcess process) {
  if (!process.running()) return;
  (void)process.signal(SIGKILL);
  auto owned = std::make_shared<sys::ChildProcess>(std::move(process));
  asio::co_spawn(io, reap(io, owned), log_escaped("reap"));
}

}  // namespace srcompose::supervisor
