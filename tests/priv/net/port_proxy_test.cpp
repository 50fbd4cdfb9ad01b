// SPDX-License-Identifier: GPL-2.0-or-later
// Published ports: the supervisor's userspace proxy from the host's 127.0.0.1 into a container.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "net/network.hpp"
#include "net_test_support.hpp"
#include "plan/net.hpp"
#include "supervisor/port_proxy.hpp"
#include "test_support.hpp"

using namespace srcompose;
using namespace srcompose::nettest;

namespace {

// Runs the io_context on a thread of its own while the test drives sockets; stops it at scope exit.
class LoopThread {
 public:
  explicit LoopThread(boost::asio::io_context& io)
      : io_(io), work_(boost::asio::make_work_guard(io)), thread_([this] { io_.run(); }) {}
  ~LoopThread() {
    work_.reset();
    io_.stop();
    thread_.join();
  }

 private:
  boost::asio::io_context& io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

spec::PortMapping mapping(uint16_t host_port, uint16_t container_port, spec::Protocol protocol) {
  spec::PortMapping port;
  port.host_ip = ip(127, 0, 0, 1);
  port.host_port = host_port;
  port.container_port = container_port;
  port.protocol = protocol;
  return port;
}

}  // namespace

TEST_CASE(
    "a published port answers on the host's 127.0.0.1 (TCP and UDP); a taken port is a clear "
    "error") {
  test::require_root();
  const std::string project = unique_name("nt", "x");
  ProjectGuard guard(project);
  LabBuilder lab(project);
  lab.network("lan", unique_name("snt", "x"), 40).container("web", {"lan"}, 2);
  auto network = net::LabNetwork::create(plan::plan_lab_networks(lab.lab), project);
  REQUIRE(network.ok());
  FakeContainer web;
  auto links = net::ContainerLinks::attach(plan::plan_container_net(lab.lab, lab.lab.containers[0]),
                                           project, "web", web.pid());
  REQUIRE(links.ok());
  auto tcp_listener = socket_in(web.pid(), SOCK_STREAM);
  bind_to(tcp_listener, lab.address("web"), 8000);
  auto udp_server = socket_in(web.pid(), SOCK_DGRAM);
  bind_to(udp_server, lab.address("web"), 8001, false);

  boost::asio::io_context io;
  // Port 0: the kernel picks a free one, so parallel runs never collide.
  auto tcp_proxy =
      supervisor::PortProxy::open(io, mapping(0, 8000, spec::Protocol::tcp), lab.address("web"));
  INFO(why(tcp_proxy));
  REQUIRE(tcp_proxy.ok());
  auto udp_proxy =
      supervisor::PortProxy::open(io, mapping(0, 8001, spec::Protocol::udp), lab.address("web"));
  REQUIRE(udp_proxy.ok());
  const uint16_t tcp_port = tcp_proxy->host_port();
  const uint16_t udp_port = udp_proxy->host_port();
  REQUIRE(tcp_port != 0);

  // Already bound on the host: refused at open, with the port in the message.
  auto taken = supervisor::PortProxy::open(io, mapping(tcp_port, 8000, spec::Protocol::tcp),
                                           lab.address("web"));
  REQUIRE_FALSE(taken.ok());
  CHECK(taken.error().to_string() ==
        "port 127.0.0.1:" + std::to_string(tcp_port) + "/tcp: bind: Address already in use");
  CHECK(taken.error().error_number() == EADDRINUSE);

  {
    LoopThread loop(io);
    // TCP: both directions, then the client's half-close reaches the container.
    auto client = host_socket(SOCK_STREAM);
    REQUIRE(connect_within(client, ip(127, 0, 0, 1), tcp_port, 2s));
    auto server = accept_within(tcp_listener, 2s);
    REQUIRE(server.valid());
    send_text(client, "GET /");
    CHECK(read_within(server, 2s) == "GET /");
    send_text(server, "200 OK");
    CHECK(read_within(client, 2s) == "200 OK");
    ::shutdown(client.get(), SHUT_WR);
    pollfd eof{server.get(), POLLIN, 0};
    REQUIRE(::poll(&eof, 1, 2000) == 1);
    std::array<char, 8> buffer{};
    CHECK(::recv(server.get(), buffer.data(), buffer.size(), MSG_DONTWAIT) == 0);

    // UDP: a datagram in, the reply back to the client's own port.
    auto udp_client = host_socket(SOCK_DGRAM);
    REQUIRE(connect_within(udp_client, ip(127, 0, 0, 1), udp_port, 1s));
    send_text(udp_client, "query");
    sockaddr_in from{};
    socklen_t from_length = sizeof from;
    std::array<char, 64> datagram{};
    pollfd wait{udp_server.get(), POLLIN, 0};
    REQUIRE(::poll(&wait, 1, 2000) == 1);
    auto n = ::recvfrom(udp_server.get(), datagram.data(), datagram.size(), 0,
                        reinterpret_cast<sockaddr*>(&from), &from_length);
    REQUIRE(n == 5);
    CHECK(std::string(datagram.data(), 5) == "query");
    // The proxy reaches the container from the bridge's gateway address.
    CHECK(ntohl(from.sin_addr.s_addr) == lab.gateway("lan").value);
    REQUIRE(::sendto(udp_server.get(), "answer", 6, 0, reinterpret_cast<sockaddr*>(&from),
                     from_length) == 6);
    CHECK(read_within(udp_client, 2s) == "answer");
  }

  // After close the port is free again.
  tcp_proxy->close();
  auto rebound = supervisor::PortProxy::open(io, mapping(tcp_port, 8000, spec::Protocol::tcp),
                                             lab.address("web"));
  INFO(why(rebound));
  CHECK(rebound.ok());
}
