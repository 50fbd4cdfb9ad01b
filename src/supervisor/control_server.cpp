// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/control_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <istream>

#include "supervisor/lab_supervisor.hpp"
#include "supervisor/spawn.hpp"

namespace srcompose::supervisor {

namespace asio = boost::asio;
using asio::local::stream_protocol;

namespace {

constexpr size_t kMaxRequest = size_t{64} * 1024;

}  // namespace

Result<ControlServer> ControlServer::open(asio::io_context& io, const std::filesystem::path& path,
                                          LabSupervisor& lab) {
  ::unlink(path.c_str());
  auto acceptor = std::make_unique<stream_protocol::acceptor>(io);
  boost::system::error_code error;
  acceptor->open(stream_protocol(), error);
  // The umask makes the socket 0600 from the moment it exists; chmod after bind would leave a
  // window.
  mode_t old_mask = ::umask(0177);
  if (!error) acceptor->bind(stream_protocol::endpoint(path.string()), error);
  ::umask(old_mask);
  if (!error) acceptor->listen(16, error);
  if (error) return Error::from_errno("listen on " + path.string(), error.value());
  return ControlServer(std::move(acceptor), lab);
}

void ControlServer::start() {
  asio::co_spawn(acceptor_->get_executor(), accept_loop(), log_escaped("accept_loop"));
}

void ControlServer::close() {
  boost::system::error_code ignored;
  acceptor_->close(ignored);
}

asio::awaitable<void> ControlServer::accept_loop() {
  for (;;) {
    boost::system::error_code error;
    auto socket =
        co_await acceptor_->async_accept(asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return;
    asio::co_spawn(acceptor_->get_executor(), serve(std::move(socket)), log_escaped("serve"));
  }
}

asio::awaitable<void> ControlServer::serve(stream_protocol::socket socket) {
  struct Serving {
    int& count;
    explicit Serving(int& counter) : count(++counter) {}
    ~Serving() { --count; }
    Serving(const Serving&) = delete;
    Serving& operator=(const Serving&) = delete;
  } serving(serving_);
  asio::streambuf buffer(kMaxRequest);
  boost::system::error_code error;
  co_await asio::async_read_until(socket, buffer, '\n',
                                  asio::redirect_error(asio::use_awaitable, error));
  if (error) co_return;
  std::istream stream(&buffer);
  std::string line;
  std::getline(stream, line);
  json::object reply;
  boost::system::error_code parse_error;
  auto request = json::parse(line, parse_error);
  if (parse_error || !request.is_object()) {
    reply = {{"ok", false}, {"error", "the request is not a JSON object"}};
  } else {
    reply = co_await lab_->handle_request(request.as_object());
  }
  std::string text = json::serialize(reply) + "\n";
  co_await asio::async_write(socket, asio::buffer(text),
                             asio::redirect_error(asio::use_awaitable, error));
}

}  // namespace srcompose::supervisor
