// SPDX-License-Identifier: GPL-2.0-or-later
// The client side of the control socket (declared in control_server.hpp beside the server it talks
// to), on Asio's local stream socket as the server is: connect, write and read run on a private
// io_context in one-second slices, between which the deadline and the supervisor's liveness are
// checked.
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include "supervisor/control_server.hpp"

namespace srcompose::supervisor {

namespace {

namespace asio = boost::asio;
using asio::local::stream_protocol;

// A reply is a status or a lab's container list: far below this.
constexpr size_t kMaxReply = 16 << 20;

// One request's exchange; `failed_step` and `error` say where it stopped when it failed.
struct Exchange {
  Exchange(asio::io_context& loop, std::string text) : socket(loop), request(std::move(text)) {}

  stream_protocol::socket socket;
  std::string request;
  std::string reply;
  boost::system::error_code error;
  std::string failed_step;
  bool done = false;

  void fail(const char* step, const boost::system::error_code& cause) {
    failed_step = step;
    error = cause;
    done = true;
  }

  void start(const stream_protocol::endpoint& endpoint) {
    socket.async_connect(endpoint, [this](const boost::system::error_code& connected) {
      if (connected) return fail("connect", connected);
      asio::async_write(socket, asio::buffer(request),
                        [this](const boost::system::error_code& written, size_t) {
                          if (written) return fail("write", written);
                          read_reply();
                        });
    });
  }

  // Up to the reply's newline; a reply the supervisor ends by closing is taken as it is.
  void read_reply() {
    asio::async_read_until(socket, asio::dynamic_buffer(reply, kMaxReply), '\n',
                           [this](const boost::system::error_code& read, size_t) {
                             if (read && read != asio::error::eof) return fail("read", read);
                             done = true;
                           });
  }
};

}  // namespace

Result<json::object> send_control_request(const std::filesystem::path& path,
                                          const json::object& request,
                                          const std::function<bool()>& still_serving,
                                          std::chrono::milliseconds timeout) {
  // connect(2) follows a symlink: only a real socket in the (checked) state dir is ours.
  struct stat status {};
  if (::lstat(path.c_str(), &status) == 0 && !S_ISSOCK(status.st_mode))
    return Error::message(path.string() + " is not a socket: refused");
  asio::io_context loop;
  Exchange exchange(loop, json::serialize(request) + "\n");
  exchange.start(stream_protocol::endpoint(path.string()));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exchange.done) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    loop.run_for(std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(1000)));
    if (exchange.done) break;
    if (std::chrono::steady_clock::now() >= deadline || (still_serving && !still_serving()))
      return Error::from_errno("no reply on " + path.string(), ETIMEDOUT);
  }
  if (exchange.error)
    return Error::from_errno(exchange.failed_step + " " + path.string(), exchange.error.value());
  boost::system::error_code error;
  auto value = json::parse(exchange.reply, error);
  if (error || !value.is_object())
    return Error::message("the supervisor's reply is not JSON: " + exchange.reply);
  return value.as_object();
}

}  // namespace srcompose::supervisor
