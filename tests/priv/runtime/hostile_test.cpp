// SPDX-License-Identifier: GPL-2.0-or-later
// Attacks of issue 10 played by a container's root against the real kernel, in the default user
// namespace mode and with idmap = "host" (no user namespace: root inside is the host's root with a
// reduced capability set), where srcompose's own defences are all that stands in the way.
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <cstring>
#include <filesystem>

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

TEST_CASE("an image whose /proc, /sys or /dev is a symlink is refused, naming the path") {
  require_root();
  for (const char* directory : {"proc", "sys", "dev"}) {
    for (bool host_idmap : kHostIdmap) {
      CAPTURE(directory);
      CAPTURE(host_idmap);
      BusyboxImage image;
      // "proc -> /" put proc over the root, and the masks, looked up by path, missed it.
      std::filesystem::remove(image.path() / directory);
      std::filesystem::create_directory_symlink("/", image.path() / directory);
      auto box = make_container(
          image, {.argv = {"/bin/probe", "open-write", "/proc/sys/kernel/core_pattern"},
                  .id_base = id_base_for(host_idmap)});
      auto started = box->start();
      if (started.ok()) {
        Outcome outcome = finish(*started);
        FAIL("the container started; it saw: " << outcome.out);
      }
      const std::string message = started.error().to_string();
      CHECK(message.find("/" + std::string(directory)) != std::string::npos);
      CHECK(message.find(std::strerror(ELOOP)) != std::string::npos);
      CHECK(no_children());
      CHECK(host_mounts_with(box->rootfs.upper.parent_path().string()).empty());
    }
  }
}

TEST_CASE("kernel.core_pattern and the other kernel knobs cannot be opened for writing") {
  require_root();
  BusyboxImage image;
  for (bool host_idmap : kHostIdmap) {
    CAPTURE(host_idmap);
    auto box =
        make_container(image, {.argv = {"/bin/probe", "open-write", "/proc/sys/kernel/core_pattern",
                                        "read", "/proc/kcore"},
                               .id_base = id_base_for(host_idmap)});
    Outcome outcome = run_container(*box);
    INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
    // The host's root (idmap = "host") is stopped by the read-only mount alone; an unmapped root
    // may be refused by the file's owner first.
    if (host_idmap) {
      CHECK(outcome.value("open_write_errno") == std::to_string(EROFS));
    } else {
      CHECK(outcome.value("open_write_errno") != "0");
    }
    CHECK(outcome.value("read_size") == "0");
  }
}

TEST_CASE("a masked path that cannot be applied fails the start, naming it") {
  require_root();
  BusyboxImage image;
  for (bool host_idmap : kHostIdmap) {
    CAPTURE(host_idmap);
    auto box = make_container(image, {.argv = {"/bin/probe"}, .id_base = id_base_for(host_idmap)});
    // /proc/self is a symlink inside proc: beneath the proc mount nothing is followed.
    auto masked = box->plan.rootfs.masked_paths.get();
    masked.push_back("/proc/self/environ");
    box->plan.rootfs.masked_paths = std::move(masked);
    auto started = box->start();
    if (started.ok()) {
      Outcome outcome = finish(*started);
      FAIL("the container started");
    }
    CHECK(started.error().to_string().find("/proc/self/environ") != std::string::npos);
    CHECK(no_children());
  }
}

}  // namespace srcompose::test
