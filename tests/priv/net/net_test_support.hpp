// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers of the privileged net tests: stand-in containers (processes in their own network
// namespace), sockets opened inside them, labs built in code, and guards that always clean up.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/unique_fd.hpp"
#include "spec/lab.hpp"

namespace srcompose::nettest {

using namespace std::chrono_literals;

spec::Ipv4 ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d);
std::string text(spec::Ipv4 address);
// The error text of a failed result, "" when it succeeded: for INFO().
template <class R>
std::string why(const R& result) {
  return result.ok() ? "" : result.error().to_string();
}
// 10.<pid-derived>.<third>.0: each test program run gets its own /16 for its subnets.
uint32_t second_octet();
// A unique, <= 15 character name for host-global things: prefix + pid + tag.
std::string unique_name(std::string_view prefix, std::string_view tag);

// A process in a new network namespace, waiting until destroyed: what the runtime's child is to
// ContainerLinks::attach. The destructor kills and reaps it, and its namespace dies with it.
class FakeContainer {
 public:
  FakeContainer();
  FakeContainer(const FakeContainer&) = delete;
  FakeContainer& operator=(const FakeContainer&) = delete;
  ~FakeContainer();
  pid_t pid() const { return pid_; }
  // Ends the process now (its namespace and the veth peers in it go away).
  void stop();

 private:
  pid_t pid_ = -1;
  UniqueFd hold_;  // the child waits until this closes
};

// A socket created inside `pid`'s network namespace (it stays bound to that namespace).
UniqueFd socket_in(pid_t pid, int type);
// A socket in the test's (host) namespace.
UniqueFd host_socket(int type);

// bind + listen (TCP) or bind (UDP) on address:port; REQUIREs success.
void bind_to(const UniqueFd& fd, spec::Ipv4 address, uint16_t port, bool listen = true);
// Connects with a timeout; true when connected.
bool connect_within(const UniqueFd& fd, spec::Ipv4 address, uint16_t port,
                    std::chrono::milliseconds timeout);
// Accepts with a timeout; invalid fd when nothing came.
UniqueFd accept_within(const UniqueFd& listener, std::chrono::milliseconds timeout);
// Reads what arrives within the timeout (one read); "" on timeout or EOF.
std::string read_within(const UniqueFd& fd, std::chrono::milliseconds timeout);
void send_text(const UniqueFd& fd, std::string_view data);

// `ip ...` inside pid's netns through nsenter (observation and test setup only); REQUIREs success.
std::string ip_in(pid_t pid, const std::vector<std::string>& args);
// `ip ...` on the host; REQUIREs success.
std::string ip_host(const std::vector<std::string>& args);
std::string nft_tables();
std::string host_links();

// Deletes a host link created by the test itself (`ip link del`), whatever happens to the test.
class HostLinkGuard {
 public:
  explicit HostLinkGuard(std::string name) : name_(std::move(name)) {}
  HostLinkGuard(const HostLinkGuard&) = delete;
  HostLinkGuard& operator=(const HostLinkGuard&) = delete;
  ~HostLinkGuard();

 private:
  std::string name_;
};

// Runs cleanup_project for a project at scope exit: the safety net behind the owners under test.
class ProjectGuard {
 public:
  explicit ProjectGuard(std::string project) : project_(std::move(project)) {}
  ProjectGuard(const ProjectGuard&) = delete;
  ProjectGuard& operator=(const ProjectGuard&) = delete;
  ~ProjectGuard();

 private:
  std::string project_;
};

// Restores net.ipv4.ip_forward as it was before the test, whatever the test left behind.
class ForwardingGuard {
 public:
  ForwardingGuard();
  ForwardingGuard(const ForwardingGuard&) = delete;
  ForwardingGuard& operator=(const ForwardingGuard&) = delete;
  ~ForwardingGuard();

 private:
  std::string saved_;
};

// A lab built in code (the loader's output): networks and containers with static addresses.
struct LabBuilder {
  spec::Lab lab;
  explicit LabBuilder(std::string project) { lab.name = std::move(project); }
  // 10.<second_octet>.<third>.0/24 with gateway .1, bridge `bridge`.
  LabBuilder& network(const std::string& name, const std::string& bridge, uint32_t third,
                      bool nat = false, bool internal = false);
  // Attached to `networks` (in order), host part `host` on each.
  LabBuilder& container(const std::string& name, const std::vector<std::string>& networks,
                        uint32_t host);
  spec::Ipv4 address(const std::string& container, size_t index = 0) const;
  spec::Ipv4 gateway(const std::string& network) const;
};

}  // namespace srcompose::nettest
