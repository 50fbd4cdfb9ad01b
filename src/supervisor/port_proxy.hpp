// SPDX-License-Identifier: GPL-2.0-or-later
// Published ports: a userspace proxy on the supervisor's io_context from host_ip:host_port to the
// container's address. Chosen over DNAT because it reaches the container from the host's own
// localhost too, without route_localnet (which would expose 127/8 on the wire) or hairpin NAT.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "common/error.hpp"
#include "spec/lab.hpp"

namespace srcompose::supervisor {

class PortProxy {
 public:
  // UDP clients silent for this long lose their session (and its socket towards the container).
  static constexpr std::chrono::milliseconds kDefaultUdpIdleTimeout{60'000};
  // Connections (TCP) or client sessions (UDP) served at once; further ones are refused or dropped,
  // so a host user cannot make the supervisor run out of file descriptors.
  static constexpr size_t kMaxSessions = 512;

  PortProxy() = default;
  PortProxy(PortProxy&& other) noexcept = default;
  PortProxy& operator=(PortProxy&& other) noexcept;
  PortProxy(const PortProxy&) = delete;
  PortProxy& operator=(const PortProxy&) = delete;
  ~PortProxy();

  // Binds (and for TCP listens on) mapping.host_ip:mapping.host_port at once, so that a port
  // already taken on the host fails `up` with "port 127.0.0.1:8080/tcp: bind: Address already in
  // use". Then serves on `io` (single-threaded, the caller runs it): TCP connections are accepted
  // and spliced both ways to container_address:container_port (half-close forwarded); UDP datagrams
  // get one socket towards the container per client address, closed after `udp_idle_timeout`. `io`
  // must outlive the proxy.
  static Result<PortProxy> open(
      boost::asio::io_context& io, const spec::PortMapping& mapping, spec::Ipv4 container_address,
      std::chrono::milliseconds udp_idle_timeout = kDefaultUdpIdleTimeout);

  // The port bound on the host (mapping.host_port, or the kernel's pick when that was 0).
  uint16_t host_port() const { return host_port_; }
  // Stops listening and closes every connection or session. Idempotent.
  void close();

  struct Service;  // the TCP or UDP implementation, shared with its coroutines

 private:
  std::shared_ptr<Service> service_;
  uint16_t host_port_ = 0;
};

}  // namespace srcompose::supervisor
