// SPDX-License-Identifier: GPL-2.0-or-later
#include "net_test_support.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "net/network.hpp"
#include "test_support.hpp"

namespace srcompose::nettest {

spec::Ipv4 ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return spec::Ipv4{(a << 24) | (b << 16) | (c << 8) | d};
}

std::string text(spec::Ipv4 address) {
  return std::to_string(address.value >> 24) + "." + std::to_string((address.value >> 16) & 255) +
         "." + std::to_string((address.value >> 8) & 255) + "." +
         std::to_string(address.value & 255);
}

uint32_t second_octet() {
  return 100 + static_cast<uint32_t>(::getpid()) % 100;
}

std::string unique_name(std::string_view prefix, std::string_view tag) {
  return std::string(prefix) + std::to_string(::getpid()) + std::string(tag);
}

namespace {

// Last safety net, at program exit: links named by this test program (prefix + pid) are deleted
// even when the code under test failed to label them, which would defeat cleanup by alias.
struct SweepAtExit {
  ~SweepAtExit() {
    std::string pid = std::to_string(::getpid());
    std::string command =
        "ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | "
        "grep -E '^(snt|sf|ot|ov|ntp)" +
        pid + "' | xargs -r -n1 ip link del 2>/dev/null";
    [[maybe_unused]] int ignored = std::system(command.c_str());
  }
} sweep_at_exit;

}  // namespace

FakeContainer::FakeContainer() {
  std::array<int, 2> ready{}, hold{};
  REQUIRE(::pipe2(ready.data(), O_CLOEXEC) == 0);
  REQUIRE(::pipe2(hold.data(), O_CLOEXEC) == 0);
  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    // Only async-signal-safe calls in the child of a forked test program.
    ::close(ready[0]);
    ::close(hold[1]);
    char status = ::unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
    if (::write(ready[1], &status, 1) != 1) _exit(1);
    char ignored = 0;
    while (::read(hold[0], &ignored, 1) < 0 && errno == EINTR) {
    }
    _exit(0);
  }
  UniqueFd ready_read(ready[0]);
  ::close(ready[1]);
  ::close(hold[0]);
  hold_.reset(hold[1]);
  char status = 0;
  REQUIRE(::read(ready_read.get(), &status, 1) == 1);
  REQUIRE(status == 'y');
}

void FakeContainer::stop() {
  if (pid_ <= 0) return;
  hold_.reset();
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

FakeContainer::~FakeContainer() {
  stop();
}

UniqueFd socket_in(pid_t pid, int type) {
  int fd = -1;
  int error = 0;
  std::thread worker([&] {
    UniqueFd netns(
        ::open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns || ::setns(netns.get(), CLONE_NEWNET) != 0) {
      error = errno;
      return;
    }
    fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0) error = errno;
  });
  worker.join();
  INFO("socket in netns of " << pid << ": errno " << error);
  REQUIRE(fd >= 0);
  return UniqueFd(fd);
}

UniqueFd host_socket(int type) {
  UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  REQUIRE(fd.valid());
  return fd;
}

namespace {

sockaddr_in socket_address(spec::Ipv4 address, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(address.value);
  return sa;
}

bool wait_for(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd entry{fd, events, 0};
  int ready = ::poll(&entry, 1, static_cast<int>(timeout.count()));
  return ready == 1;
}

}  // namespace

void bind_to(const UniqueFd& fd, spec::Ipv4 address, uint16_t port, bool listen) {
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto sa = socket_address(address, port);
  INFO("bind " << text(address) << ":" << port << ": " << std::strerror(errno));
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  if (listen) REQUIRE(::listen(fd.get(), 16) == 0);
}

bool connect_within(const UniqueFd& fd, spec::Ipv4 address, uint16_t port,
                    std::chrono::milliseconds timeout) {
  int flags = ::fcntl(fd.get(), F_GETFL);
  ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK);
  auto sa = socket_address(address, port);
  int rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  bool connected = rc == 0;
  if (rc < 0 && errno == EINPROGRESS && wait_for(fd.get(), POLLOUT, timeout)) {
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    connected = error == 0;
  }
  ::fcntl(fd.get(), F_SETFL, flags);
  return connected;
}

UniqueFd accept_within(const UniqueFd& listener, std::chrono::milliseconds timeout) {
  if (!wait_for(listener.get(), POLLIN, timeout)) return UniqueFd();
  return UniqueFd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
}

std::string read_within(const UniqueFd& fd, std::chrono::milliseconds timeout) {
  if (!wait_for(fd.get(), POLLIN, timeout)) return "";
  std::array<char, 512> buffer{};
  ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
  return n > 0 ? std::string(buffer.data(), static_cast<size_t>(n)) : "";
}

void send_text(const UniqueFd& fd, std::string_view data) {
  REQUIRE(::send(fd.get(), data.data(), data.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(data.size()));
}

std::string ip_in(pid_t pid, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"nsenter", "-t", std::to_string(pid), "-n", "ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = test::run_command(argv);
  INFO("ip in netns of " << pid << ": " << result.err);
  REQUIRE(result.exit_code == 0);
  return result.out;
}

std::string ip_host(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = test::run_command(argv);
  INFO("ip: " << result.err);
  REQUIRE(result.exit_code == 0);
  return result.out;
}

std::string nft_tables() {
  auto result = test::run_command({"nft", "list", "tables"});
  REQUIRE(result.exit_code == 0);
  return result.out;
}

std::string host_links() {
  return ip_host({"-o", "link"});
}

HostLinkGuard::~HostLinkGuard() {
  test::run_command({"ip", "link", "del", name_});
}

ProjectGuard::~ProjectGuard() {
  (void)net::cleanup_project(project_);
}

ForwardingGuard::ForwardingGuard() : saved_(test::read_file("/proc/sys/net/ipv4/ip_forward")) {}

ForwardingGuard::~ForwardingGuard() {
  if (!saved_.empty()) test::write_file("/proc/sys/net/ipv4/ip_forward", saved_);
}

LabBuilder& LabBuilder::network(const std::string& name, const std::string& bridge, uint32_t third,
                                bool nat, bool internal) {
  spec::Network network;
  network.name = name;
  network.bridge = bridge;
  network.subnet = spec::Cidr{ip(10, second_octet(), third, 0), 24};
  network.gateway = ip(10, second_octet(), third, 1);
  network.nat = nat;
  network.internal = internal;
  lab.networks.push_back(network);
  return *this;
}

LabBuilder& LabBuilder::container(const std::string& name, const std::vector<std::string>& networks,
                                  uint32_t host) {
  spec::Container container;
  container.name = name;
  container.hostname = name;
  for (const auto& network_name : networks) {
    for (const auto& network : lab.networks) {
      if (network.name != network_name) continue;
      container.networks.push_back(spec::NetworkAttachment{
          network_name, spec::Ipv4{network.subnet.network.value + host}, true});
    }
  }
  lab.containers.push_back(container);
  return *this;
}

spec::Ipv4 LabBuilder::address(const std::string& container, size_t index) const {
  for (const auto& c : lab.containers) {
    if (c.name == container) return c.networks.at(index).ipv4;
  }
  FAIL("no container " << container);
  return {};
}

spec::Ipv4 LabBuilder::gateway(const std::string& network) const {
  for (const auto& n : lab.networks) {
    if (n.name == network) return n.gateway;
  }
  FAIL("no network " << network);
  return {};
}

}  // namespace srcompose::nettest
