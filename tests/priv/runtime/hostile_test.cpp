// Attacks of issue 10 played by a container's root against the real kernel, in the default user
// namespace mode and with idmap = "host" (no user namespace: root inside is the host's root with a
// reduced capability set), where srcompose's own defences are all that stands in the way.
#include <doctest/doctest.h>
#include <sys/socket.h>

#include "runtime_helpers.hpp"

namespace srcompose::test {

namespace {

// Both modes of every test: a fresh user namespace range, and idmap = "host".
constexpr bool kHostIdmap[] = {false, true};

uint32_t id_base_for(bool host_idmap) {
  return host_idmap ? 0 : unique_id_base();
}

}  // namespace

TEST_CASE("the default profile refuses sockets of families a lab has no use for") {
  require_root();
  BusyboxImage image;
  for (bool host_idmap : kHostIdmap) {
    CAPTURE(host_idmap);
    std::vector<std::string> argv{"/bin/probe"};
    for (const char* family : {"unix", "inet", "inet6", "netlink", "vsock", "alg", "key", "tipc"})
      argv.insert(argv.end(), {"socket", family});
    auto box = make_container(image, {.argv = argv, .id_base = id_base_for(host_idmap)});
    Outcome outcome = run_container(*box);
    INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
    CHECK(outcome.exit_code == 0);
    for (const char* family : {"unix", "inet", "inet6", "netlink"}) {
      CAPTURE(family);
      CHECK(outcome.value(std::string("socket_") + family + "_errno") == "0");
    }
    // AF_VSOCK opens on this host without the filter (a VM); AF_ALG, AF_KEY, AF_TIPC would give
    // EAFNOSUPPORT where the kernel lacks them: EPERM is the filter's answer, not the kernel's.
    for (const char* family : {"vsock", "alg", "key", "tipc"}) {
      CAPTURE(family);
      CHECK(outcome.value(std::string("socket_") + family + "_errno") == std::to_string(EPERM));
    }
  }
}

}  // namespace srcompose::test
