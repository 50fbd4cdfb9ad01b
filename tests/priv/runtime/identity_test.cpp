// SPDX-License-Identifier: GPL-2.0-or-later
// A container's identity as the probe inside sees it: hostname, pid namespace, ids, capabilities,
// no_new_privs and seccomp; and what the host sees of it.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "runtime_helpers.hpp"

namespace srcompose::test {

TEST_CASE("the workload sees its own hostname and is PID 2 under the built-in init") {
  require_root();
  BusyboxImage image;
  char host_name[256] = {};
  ::gethostname(host_name, sizeof host_name - 1);
  auto box = make_container(image, {.name = "web",
                                    .argv = {"/bin/probe", "hostname", "pid", "procs"},
                                    .id_base = unique_id_base()});
  Outcome outcome = run_container(*box);
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.value("hostname") == "web");
  CHECK(outcome.value("domainname") == "lab.test");
  CHECK(outcome.value("pid") == "2");
  CHECK(outcome.value("ppid") == "1");
  // Only the init and the probe: none of the host's processes.
  CHECK(outcome.value("pids") == "1,2");

  char after[256] = {};
  ::gethostname(after, sizeof after - 1);
  CHECK(std::string(after) == host_name);
}

TEST_CASE("root inside is an unprivileged mapped uid on the host, with the default capabilities") {
  require_root();
  BusyboxImage image;
  const uint32_t base = unique_id_base();
  auto box = make_container(
      image, {.argv = {"/bin/probe", "ids", "create", "/made-inside"}, .id_base = base});
  Outcome outcome = run_container(*box);
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.value("uid") == "0");
  CHECK(outcome.value("gid") == "0");
  CHECK(outcome.value("groups") == "");
  // Podman's 11: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE
  // SYS_CHROOT SETFCAP.
  CHECK(outcome.value("CapEff") == "00000000800405fb");
  CHECK(outcome.value("CapPrm") == "00000000800405fb");
  CHECK(outcome.value("CapBnd") == "00000000800405fb");
  CHECK(outcome.value("CapInh") == "0000000000000000");
  CHECK(outcome.value("CapAmb") == "0000000000000000");
  CHECK(outcome.value("NoNewPrivs") == "1");
  CHECK(outcome.value("Seccomp") == "2");
  CHECK(outcome.value("create_errno") == "0");
  // The file root made inside belongs on the host to the mapped root, in the upper layer.
  struct stat made {};
  REQUIRE(::stat((box->rootfs.upper / "made-inside").c_str(), &made) == 0);
  CHECK(made.st_uid == base);
  CHECK(made.st_gid == base);
}

TEST_CASE("a named user gets its uid, gid and supplementary groups from the image") {
  require_root();
  BusyboxImage image;
  auto box = make_container(
      image, {.argv = {"/bin/probe", "ids"}, .id_base = unique_id_base(), .user = "student"});
  Outcome outcome = run_container(*box);
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.value("uid") == "1000");
  CHECK(outcome.value("gid") == "1000");
  CHECK(outcome.value("groups") == "2000");
  // A non-root user keeps no effective capability after execve (inheritable and ambient are empty).
  CHECK(outcome.value("CapEff") == "0000000000000000");
  CHECK(outcome.value("CapBnd") == "00000000800405fb");
}

TEST_CASE("keyctl and unshare(CLONE_NEWUSER) are refused by the default seccomp filter") {
  require_root();
  BusyboxImage image;
  auto box = make_container(
      image, {.argv = {"/bin/probe", "keyctl", "unshare-user"}, .id_base = unique_id_base()});
  Outcome outcome = run_container(*box);
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  CHECK(outcome.value("keyctl_errno") == std::to_string(EPERM));
  CHECK(outcome.value("unshare_errno") == std::to_string(EPERM));
}

// glibc's setgroups/setresgid/setresuid broadcast the change to every thread the process had when
// it was cloned (__nptl_setxid); in the clone those threads do not exist, and the broadcast waited
// forever for one that was inside pthread_create at the moment of the clone. The supervisor's
// blocking pool starts threads while containers are cloned, so the child uses the raw calls.
TEST_CASE("a container cloned while the parent's other threads are being created still starts") {
  require_root();
  BusyboxImage image;
  auto box = make_container(
      image, {.argv = {"/bin/probe", "ids"}, .id_base = unique_id_base(), .user = "1000:1000"});
  // Creates and joins threads until it goes out of scope (also when a REQUIRE below throws).
  struct ThreadChurn {
    std::atomic<bool> stop{false};
    std::thread churn{[this] {
      while (!stop)
        std::thread([] {}).join();
    }};
    ~ThreadChurn() {
      stop = true;
      churn.join();
    }
  };
  int started = 0;
  ThreadChurn churn;
  for (; started < 40; ++started) {
    Outcome outcome = run_container(*box);
    INFO("start " << started << " stdout: " << outcome.out << "\nstderr: " << outcome.err);
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.value("uid") == "1000");
    if (outcome.exit_code != 0) break;
  }
  CHECK(started == 40);
}

}  // namespace srcompose::test
