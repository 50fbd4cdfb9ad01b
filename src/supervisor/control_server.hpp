// SPDX-License-Identifier: GPL-2.0-or-later
// The control socket: a filesystem Unix stream socket, mode 0600, in the 0700 state directory. One
// request per connection, one JSON object per line each way. Served on the supervisor's loop.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>

#include "common/error.hpp"
#include "supervisor/json.hpp"

namespace srcompose::supervisor {

class LabSupervisor;

class ControlServer {
 public:
  // Binds and listens at once (an existing stale socket file is replaced).
  static Result<ControlServer> open(boost::asio::io_context& io, const std::filesystem::path& path,
                                    LabSupervisor& lab);
  ControlServer(ControlServer&&) = default;
  // Starts accepting on the loop.
  void start();
  void close();
  // No connection is being served (read, answered or written).
  bool idle() const { return serving_ == 0; }

 private:
  ControlServer(std::unique_ptr<boost::asio::local::stream_protocol::acceptor> acceptor,
                LabSupervisor& lab)
      : acceptor_(std::move(acceptor)), lab_(&lab) {}
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::local::stream_protocol::socket socket);

  std::unique_ptr<boost::asio::local::stream_protocol::acceptor> acceptor_;
  LabSupervisor* lab_;
  int serving_ = 0;
};

// Client side (the CLI): sends `request` to the supervisor listening at `path` and returns its
// reply. Fails with ECONNREFUSED/ENOENT when no supervisor listens there. Never waits forever:
// every second without a reply `still_serving` is asked (is the supervisor alive and not stopped?),
// and a "no", or `timeout` passing, fails the request with ETIMEDOUT.
Result<json::object> send_control_request(const std::filesystem::path& path,
                                          const json::object& request,
                                          const std::function<bool()>& still_serving,
                                          std::chrono::milliseconds timeout);

}  // namespace srcompose::supervisor
