// SPDX-License-Identifier: GPL-2.0-or-later
// AsyncEvent: a one-shot flag that coroutines on the supervisor's single thread can wait for
// (dependency conditions, "stopped", "lab is shutting down"). Implemented with a steady_timer that
// never expires on its own: set() cancels it, which wakes every waiter.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace srcompose::supervisor {

class AsyncEvent {
 public:
  explicit AsyncEvent(boost::asio::io_context& io) : timer_(io) {
    timer_.expires_at(boost::asio::steady_timer::time_point::max());
  }
  bool is_set() const { return set_; }
  void set() {
    set_ = true;
    timer_.cancel();
  }
  // Returns once set() was called (at once if it was already).
  boost::asio::awaitable<void> wait() {
    while (!set_) {
      boost::system::error_code ignored;
      co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
    }
  }

 private:
  boost::asio::steady_timer timer_;
  bool set_ = false;
};

}  // namespace srcompose::supervisor
