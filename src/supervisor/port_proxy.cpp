// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/port_proxy.hpp"

#include <fcntl.h>

#include <array>
#include <list>
#include <map>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "net/netlink.hpp"
#include "supervisor/spawn.hpp"

namespace srcompose::supervisor {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;

struct PortProxy::Service {
  virtual ~Service() = default;
  virtual void close() = 0;
};

namespace {

asio::ip::address_v4 to_asio(spec::Ipv4 address) {
  return asio::ip::address_v4(address.value);
}

std::string port_text(const spec::PortMapping& mapping) {
  return "port " + spec::to_string(mapping.host_ip) + ":" + std::to_string(mapping.host_port) +
         (mapping.protocol == spec::Protocol::tcp ? "/tcp" : "/udp");
}

auto with_error(error_code& error) {
  return asio::redirect_error(asio::use_awaitable, error);
}

// Asio opens and accepts sockets without SOCK_CLOEXEC. The supervisor is single-threaded and only
// forks from this same thread, so marking a socket right after it was made closes the window.
template <class Socket>
void mark_cloexec(Socket& socket, error_code& error) {
  if (error || !socket.is_open()) return;
  if (::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC) < 0) {
    error = error_code(errno, boost::system::system_category());
  }
}

// ---- TCP ----

struct TcpConnection {
  explicit TcpConnection(tcp::socket accepted)
      : client(std::move(accepted)), upstream(client.get_executor()) {}
  void close() {
    error_code ignored;
    client.close(ignored);
    upstream.close(ignored);
  }
  tcp::socket client;
  tcp::socket upstream;
};

struct TcpService final : PortProxy::Service {
  TcpService(asio::io_context& io, const tcp::endpoint& target_endpoint)
      : acceptor(io), target(target_endpoint) {}
  void close() override {
    closed = true;
    error_code ignored;
    acceptor.close(ignored);
    for (auto& connection : connections)
      connection->close();
  }
  tcp::acceptor acceptor;
  tcp::endpoint target;
  std::list<std::shared_ptr<TcpConnection>> connections;
  bool closed = false;
};

// Copies `from` to `to` until end of stream, then half-closes `to` so the peer sees the EOF too.
// On an error both sockets are closed, which also ends the opposite direction.
awaitable<void> pump(std::shared_ptr<TcpConnection> connection, tcp::socket& from,
                     tcp::socket& to) {
  std::array<char, size_t{16} * 1024> buffer{};
  for (;;) {
    error_code error;
    size_t n = co_await from.async_read_some(asio::buffer(buffer), with_error(error));
    if (error == asio::error::eof) {
      to.shutdown(tcp::socket::shutdown_send, error);
      co_return;
    }
    if (!error) co_await asio::async_write(to, asio::buffer(buffer.data(), n), with_error(error));
    if (error) {
      connection->close();
      co_return;
    }
  }
}

awaitable<void> serve_tcp(std::shared_ptr<TcpService> service,
                          std::list<std::shared_ptr<TcpConnection>>::iterator position) {
  using namespace asio::experimental::awaitable_operators;
  auto connection = *position;
  error_code error;
  connection->upstream.open(tcp::v4(), error);
  mark_cloexec(connection->upstream, error);
  if (!error) co_await connection->upstream.async_connect(service->target, with_error(error));
  if (!error) {
    co_await (pump(connection, connection->client, connection->upstream) &&
              pump(connection, connection->upstream, connection->client));
  }
  connection->close();
  service->connections.erase(position);
}

awaitable<void> accept_tcp(std::shared_ptr<TcpService> service) {
  for (;;) {
    error_code error;
    tcp::socket client = co_await service->acceptor.async_accept(with_error(error));
    if (service->closed) co_return;
    mark_cloexec(client, error);
    if (error) {
      // EMFILE and friends: wait a little instead of spinning on a full descriptor table.
      asio::steady_timer pause(service->acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(with_error(error));
      continue;
    }
    if (service->connections.size() >= PortProxy::kMaxSessions) continue;  // closes `client`
    service->connections.push_front(std::make_shared<TcpConnection>(std::move(client)));
    asio::co_spawn(service->acceptor.get_executor(),
                   serve_tcp(service, service->connections.begin()), log_escaped("serve_tcp"));
  }
}

// ---- UDP ----

struct UdpSession {
  UdpSession(const asio::any_io_executor& executor, const udp::endpoint& client_endpoint)
      : upstream(executor), idle(executor), client(client_endpoint) {}
  udp::socket upstream;
  asio::steady_timer idle;
  udp::endpoint client;
  std::chrono::steady_clock::time_point last_active = std::chrono::steady_clock::now();
};

struct UdpService final : PortProxy::Service {
  UdpService(asio::io_context& io, const udp::endpoint& target_endpoint,
             std::chrono::milliseconds idle)
      : socket(io), target(target_endpoint), idle_timeout(idle) {}
  void close() override {
    closed = true;
    error_code ignored;
    socket.close(ignored);
    for (auto& [client, session] : sessions) {
      session->upstream.close(ignored);
      session->idle.cancel();
    }
  }
  udp::socket socket;
  udp::endpoint target;
  std::chrono::milliseconds idle_timeout;
  std::map<udp::endpoint, std::shared_ptr<UdpSession>> sessions;
  bool closed = false;
};

// Container -> client, through the public socket so the client sees replies from the port it used.
awaitable<void> udp_replies(std::shared_ptr<UdpService> service,
                            std::shared_ptr<UdpSession> session) {
  std::array<char, 65536> buffer{};
  for (;;) {
    error_code error;
    size_t n = co_await session->upstream.async_receive(asio::buffer(buffer), with_error(error));
    // An ICMP port unreachable from the container shows up here: the session goes on.
    if (error == asio::error::connection_refused) continue;
    if (error) co_return;
    session->last_active = std::chrono::steady_clock::now();
    co_await service->socket.async_send_to(asio::buffer(buffer.data(), n), session->client,
                                           with_error(error));
    if (service->closed) co_return;
  }
}

// Ends the session once it saw no traffic for the idle timeout.
awaitable<void> udp_expire(std::shared_ptr<UdpService> service,
                           std::shared_ptr<UdpSession> session) {
  for (;;) {
    session->idle.expires_at(session->last_active + service->idle_timeout);
    error_code error;
    co_await session->idle.async_wait(with_error(error));
    if (error || service->closed) break;
    if (std::chrono::steady_clock::now() >= session->last_active + service->idle_timeout) break;
  }
  error_code ignored;
  session->upstream.close(ignored);
  auto found = service->sessions.find(session->client);
  if (found != service->sessions.end() && found->second == session) service->sessions.erase(found);
}

std::shared_ptr<UdpSession> udp_session_for(const std::shared_ptr<UdpService>& service,
                                            const udp::endpoint& client) {
  if (auto found = service->sessions.find(client); found != service->sessions.end()) {
    return found->second;
  }
  if (service->sessions.size() >= PortProxy::kMaxSessions) return nullptr;
  auto session = std::make_shared<UdpSession>(service->socket.get_executor(), client);
  error_code error;
  session->upstream.open(udp::v4(), error);
  mark_cloexec(session->upstream, error);
  if (!error) session->upstream.connect(service->target, error);
  if (error) return nullptr;
  service->sessions.emplace(client, session);
  auto executor = service->socket.get_executor();
  asio::co_spawn(executor, udp_replies(service, session), log_escaped("udp_replies"));
  asio::co_spawn(executor, udp_expire(service, session), log_escaped("udp_expire"));
  return session;
}

// Client -> container.
awaitable<void> receive_udp(std::shared_ptr<UdpService> service) {
  std::array<char, 65536> buffer{};
  for (;;) {
    error_code error;
    udp::endpoint client;
    size_t n = co_await service->socket.async_receive_from(asio::buffer(buffer), client,
                                                           with_error(error));
    if (service->closed) co_return;
    if (error) continue;
    auto session = udp_session_for(service, client);
    if (!session) continue;  // datagram dropped, as UDP may
    session->last_active = std::chrono::steady_clock::now();
    co_await session->upstream.async_send(asio::buffer(buffer.data(), n), with_error(error));
  }
}

Error socket_error(const char* operation, const error_code& error,
                   const spec::PortMapping& mapping) {
  return Error::from_errno(operation, error.value()).context(port_text(mapping));
}

}  // namespace

PortProxy& PortProxy::operator=(PortProxy&& other) noexcept {
  if (this != &other) {
    close();
    service_ = std::move(other.service_);
    host_port_ = other.host_port_;
  }
  return *this;
}

PortProxy::~PortProxy() {
  close();
}

void PortProxy::close() {
  if (service_) service_->close();
  service_.reset();
}

Result<PortProxy> PortProxy::open(asio::io_context& io, const spec::PortMapping& mapping,
                                  spec::Ipv4 container_address,
                                  std::chrono::milliseconds udp_idle_timeout) {
  PortProxy proxy;
  error_code error;
  if (mapping.protocol == spec::Protocol::tcp) {
    auto service = std::make_shared<TcpService>(
        io, tcp::endpoint(to_asio(container_address), mapping.container_port));
    tcp::endpoint local(to_asio(mapping.host_ip), mapping.host_port);
    service->acceptor.open(tcp::v4(), error);
    mark_cloexec(service->acceptor, error);
    if (error) return socket_error("socket", error, mapping);
    // Lets `up` rebind at once after `down` while old connections linger in TIME_WAIT; a port in
    // active use still fails with EADDRINUSE.
    service->acceptor.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) service->acceptor.bind(local, error);
    if (error) return socket_error("bind", error, mapping);
    service->acceptor.listen(asio::socket_base::max_listen_connections, error);
    if (error) return socket_error("listen", error, mapping);
    proxy.host_port_ = service->acceptor.local_endpoint(error).port();
    if (error) return socket_error("getsockname", error, mapping);
    asio::co_spawn(io, accept_tcp(service), log_escaped("accept_tcp"));
    proxy.service_ = std::move(service);
  } else {
    auto service = std::make_shared<UdpService>(
        io, udp::endpoint(to_asio(container_address), mapping.container_port), udp_idle_timeout);
    udp::endpoint local(to_asio(mapping.host_ip), mapping.host_port);
    service->socket.open(udp::v4(), error);
    mark_cloexec(service->socket, error);
    if (error) return socket_error("socket", error, mapping);
    service->socket.bind(local, error);
    if (error) return socket_error("bind", error, mapping);
    proxy.host_port_ = service->socket.local_endpoint(error).port();
    if (error) return socket_error("getsockname", error, mapping);
    asio::co_spawn(io, receive_udp(service), log_escaped("receive_udp"));
    proxy.service_ = std::move(service);
  }
  return proxy;
}

}  // namespace srcompose::supervisor
