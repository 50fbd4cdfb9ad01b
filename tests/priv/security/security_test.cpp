// SPDX-License-Identifier: GPL-2.0-or-later
// Privileged tests of capabilities and seccomp: a forked child applies them to itself, probes
// syscalls and reads /proc/self/status, and reports "key=value" lines back over a pipe.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "common/unique_fd.hpp"
#include "plan/security.hpp"
#include "security/capabilities.hpp"
#include "security/capability_names.hpp"
#include "security/seccomp.hpp"
#include "test_support.hpp"

using namespace srcompose;

namespace {

using Report = std::map<std::string, std::string>;

// "ok" or the errno's name ("EPERM") of a raw syscall result.
std::string outcome(long rc) {
  if (rc >= 0) return "ok";
  const char* name = ::strerrorname_np(errno);
  return name ? name : std::to_string(errno);
}

// Runs `body` in a forked child and returns what it reported. The child must exit 0: a filter
// killing it fails the test here.
Report run_in_child(const std::function<void(Report&)>& body) {
  std::array<int, 2> pipe_fds{};
  REQUIRE(::pipe2(pipe_fds.data(), O_CLOEXEC) == 0);
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    read_end.reset();
    Report report;
    body(report);
    std::string text;
    for (const auto& [key, value] : report)
      text += key + "=" + value + "\n";
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(write_end.get(), text.data() + done, text.size() - done);
      if (n <= 0) ::_exit(3);
      done += static_cast<size_t>(n);
    }
    ::_exit(0);
  }
  write_end.reset();
  std::string text;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(read_end.get(), buffer, sizeof buffer)) > 0) {
    text.append(buffer, static_cast<size_t>(n));
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO("child report:\n" << text);
  REQUIRE_MESSAGE(WIFEXITED(status), "child killed by signal " << WTERMSIG(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  Report report;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    auto equals = line.find('=');
    if (equals != std::string::npos) report[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return report;
}

// keyctl through the i386 ABI (int 0x80), in a grandchild: where the kernel runs with 32-bit
// emulation disabled (ia32_emulation=off), int 0x80 is a general protection fault, reported here as
// "unavailable". Otherwise the errno name or "ok".
std::string keyctl_through_int80() {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGSEGV, SIG_DFL);  // not doctest's crash handler
    long result = 0;
    asm volatile("int $0x80"
                 : "=a"(result)
                 : "a"(288L /* i386 __NR_keyctl */), "b"(long{KEYCTL_GET_KEYRING_ID}),
                   "c"(long{KEY_SPEC_SESSION_KEYRING}), "d"(0L)
                 : "memory", "r8", "r9", "r10", "r11");
    int as_int = static_cast<int>(result);
    ::_exit(as_int >= 0 ? 0 : as_int == -EPERM ? 1 : 2);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return "fork failed";
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) return "unavailable";
  if (!WIFEXITED(status)) return "killed";
  return WEXITSTATUS(status) == 0 ? "ok" : WEXITSTATUS(status) == 1 ? "EPERM" : "other error";
}

// Whether this kernel takes i386 syscalls at all (see above).
bool i386_abi_available() {
  static const bool available = [] {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::signal(SIGSEGV, SIG_DFL);
      long result = 0;
      asm volatile("int $0x80"
                   : "=a"(result)
                   : "a"(20L /* getpid */)
                   : "memory", "r8", "r9", "r10", "r11");
      ::_exit(result > 0 ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }();
  return available;
}

// keyctl through the x32 ABI (syscall number with bit 30). This kernel may lack x32 (ENOSYS).
long keyctl_through_x32() {
  return ::syscall(0x40000000L | 250L, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
}

// Raw clone(2) with `flags`; the new child exits at once. Returns the syscall's outcome.
std::string clone_outcome(unsigned long flags) {
  long rc = ::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (rc == 0) ::_exit(0);
  std::string result = outcome(rc);
  if (rc > 0) ::waitpid(static_cast<pid_t>(rc), nullptr, 0);
  return result;
}

// Every syscall the tests look at, with arguments chosen so that without a filter the kernel
// answers something else than the filter's EPERM/ENOSYS (success, ENOENT, EFAULT, EBADF ...).
void probe_syscalls(Report& report) {
  report["getpid"] = outcome(::getpid());
  report["write"] = outcome(::write(STDERR_FILENO, "", 0));
  report["keyctl"] =
      outcome(::syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
  report["add_key"] =
      outcome(::syscall(SYS_add_key, "user", "srcompose-test", "x", 1, KEY_SPEC_PROCESS_KEYRING));
  report["request_key"] =
      outcome(::syscall(SYS_request_key, "user", "srcompose-absent", nullptr, 0));
  report["keyctl_i386"] = keyctl_through_int80();
  report["keyctl_x32"] = outcome(keyctl_through_x32());
  report["bpf"] = outcome(::syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, nullptr, 0));
  report["perf_event_open"] = outcome(::syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0));
  report["userfaultfd"] = outcome(::syscall(SYS_userfaultfd, O_CLOEXEC));
  report["io_uring_setup"] = outcome(::syscall(SYS_io_uring_setup, 1, nullptr));
  report["kexec_load"] = outcome(::syscall(SYS_kexec_load, 0, 0, nullptr, 0x12345678UL));
  report["delete_module"] = outcome(::syscall(SYS_delete_module, "srcompose_absent", 0));
  report["open_by_handle_at"] = outcome(::syscall(SYS_open_by_handle_at, -1, nullptr, 0));
  report["mount"] = outcome(::mount("none", "/srcompose-absent", "tmpfs", 0, nullptr));
  report["umount2"] = outcome(::umount2("/srcompose-absent", 0));
  report["setns"] = outcome(::setns(-1, 0));
  report["pivot_root"] = outcome(::syscall(SYS_pivot_root, "/srcompose-absent", "/srcompose-x"));
  report["clone3"] = outcome(::syscall(SYS_clone3, nullptr, 0));
  report["clone_newuser"] = clone_outcome(CLONE_NEWUSER);
  report["clone_newns"] = clone_outcome(CLONE_NEWNS);
  report["clone_plain"] = clone_outcome(0);
  report["unshare_newns"] = outcome(::unshare(CLONE_NEWNS));
  report["unshare_newuser"] = outcome(::unshare(CLONE_NEWUSER));
  // glibc's pthread_create tries clone3 first and falls back to clone on ENOSYS.
  bool ran = false;
  std::thread([&] { ran = true; }).join();
  report["thread"] = ran ? "ok" : "failed";
}

// The fields of /proc/self/status the tests check.
void read_status(Report& report) {
  std::istringstream status(test::read_file("/proc/self/status"));
  std::string line;
  while (std::getline(status, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto key = line.substr(0, colon);
    if (key.rfind("Cap", 0) == 0 || key == "NoNewPrivs" || key.rfind("Seccomp", 0) == 0) {
      auto value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      report["status." + key] = value;
    }
  }
}

security::CompiledSeccomp compile(uint64_t capabilities,
                                  spec::SeccompMode mode = spec::SeccompMode::default_profile,
                                  std::filesystem::path profile = {}) {
  plan::SecurityPlan plan;
  plan.capabilities = capabilities;
  plan.seccomp = mode;
  plan.seccomp_profile = std::move(profile);
  // As planning does it (plan/security.cpp): the default profile, or the file's selected entries.
  if (mode == spec::SeccompMode::default_profile) {
    plan.seccomp_rules = security::default_seccomp_profile(capabilities);
  } else if (mode == spec::SeccompMode::profile_file) {
    auto text = security::read_seccomp_profile_file(plan.seccomp_profile);
    REQUIRE_MESSAGE(text.ok(), text.error().to_string());
    auto rules = security::parse_seccomp_profile(*text, capabilities);
    REQUIRE_MESSAGE(rules.ok(), rules.error().to_string());
    plan.seccomp_rules = std::move(*rules);
  }
  auto compiled = security::compile_seccomp(plan);
  REQUIRE_MESSAGE(compiled.ok(), compiled.error().to_string());
  return std::move(*compiled);
}

// Installs `filter` (after no_new_privs) and probes; capabilities untouched (the test runs as full
// root), so every difference from the baseline is the filter's doing.
Report probe_with_filter(const security::CompiledSeccomp& filter) {
  return run_in_child([&](Report& report) {
    report["nnp"] = std::to_string(security::set_no_new_privs());
    report["install"] = std::to_string(security::install_seccomp(filter));
    probe_syscalls(report);
    read_status(report);
  });
}

std::string hex16(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace

TEST_CASE("without a filter the probes reach the kernel (baseline for the tests below)") {
  test::require_root();
  auto report = probe_with_filter(compile(0, spec::SeccompMode::unconfined));
  CHECK(report["install"] == "0");
  CHECK(report["status.Seccomp"] == "0");
  CHECK(report["keyctl"] == "ok");
  CHECK(report["add_key"] == "ok");
  CHECK(report["request_key"] == "ENOKEY");
  CHECK(report["keyctl_i386"] == (i386_abi_available() ? "ok" : "unavailable"));
  CHECK(report["keyctl_x32"] == "ENOSYS");  // this kernel has no x32; the filter must still deny
  // Kernel-config dependent answers (no kexec, no modules: ENOSYS); what matters is "not EPERM".
  CHECK(report["bpf"] != "EPERM");
  CHECK(report["perf_event_open"] == "EFAULT");
  CHECK(report["userfaultfd"] == "ok");
  CHECK(report["io_uring_setup"] == "EFAULT");
  CHECK(report["kexec_load"] != "EPERM");
  CHECK(report["delete_module"] != "EPERM");
  CHECK(report["open_by_handle_at"] == "EFAULT");
  CHECK(report["mount"] == "ENOENT");
  CHECK(report["setns"] == "EBADF");
  CHECK(report["clone3"] == "EINVAL");
  CHECK(report["clone_newuser"] == "ok");
  CHECK(report["unshare_newuser"] == "ok");
}

TEST_CASE("default profile without CAP_SYS_ADMIN denies the listed syscalls on every x86 ABI") {
  test::require_root();
  auto filter = compile(security::default_capabilities());
  REQUIRE_FALSE(filter.empty());
  auto report = probe_with_filter(filter);
  CHECK(report["nnp"] == "0");
  CHECK(report["install"] == "0");
  CHECK(report["status.Seccomp"] == "2");
  CHECK(report["status.Seccomp_filters"] == "1");
  CHECK(report["status.NoNewPrivs"] == "1");
  for (const char* name :
       {"keyctl", "add_key", "request_key", "keyctl_x32", "bpf", "perf_event_open", "userfaultfd",
        "io_uring_setup", "kexec_load", "delete_module", "open_by_handle_at", "mount", "umount2",
        "setns", "pivot_root", "clone_newuser", "clone_newns", "unshare_newns",
        "unshare_newuser"}) {
    CAPTURE(name);
    CHECK(report[name] == "EPERM");
  }
  // The i386 table is in the filter; where the kernel has 32-bit emulation switched off the ABI
  // cannot be entered at all (the CI kernel may differ: both outcomes keep keyctl out of reach).
  CHECK(report["keyctl_i386"] == (i386_abi_available() ? "EPERM" : "unavailable"));
  CHECK(report["clone3"] == "ENOSYS");
  CHECK(report["getpid"] == "ok");
  CHECK(report["write"] == "ok");
  CHECK(report["clone_plain"] == "ok");
  CHECK(report["thread"] == "ok");
}

TEST_CASE("default profile with CAP_SYS_ADMIN allows mounts and namespaces but no user namespace") {
  test::require_root();
  auto report =
      probe_with_filter(compile(security::default_capabilities() | uint64_t{1} << CAP_SYS_ADMIN));
  CHECK(report["install"] == "0");
  CHECK(report["mount"] == "ENOENT");
  CHECK(report["setns"] == "EBADF");
  CHECK(report["clone_newns"] == "ok");
  CHECK(report["unshare_newns"] == "ok");
  CHECK(report["clone_newuser"] == "EPERM");
  CHECK(report["unshare_newuser"] == "EPERM");
  CHECK(report["clone3"] == "ENOSYS");
  CHECK(report["keyctl"] == "EPERM");
  CHECK(report["io_uring_setup"] == "EPERM");
  CHECK(report["bpf"] != "EPERM");  // SYS_ADMIN lifts the bpf rule, as with Docker
}

TEST_CASE("capabilities: the sets in /proc/self/status are exactly the plan's") {
  test::require_root();
  const uint64_t keep = security::default_capabilities();
  auto report = run_in_child([&](Report& r) {
    r["nnp"] = std::to_string(security::set_no_new_privs());
    r["caps"] = std::to_string(security::apply_capabilities(keep));
    r["install"] = std::to_string(security::install_seccomp(compile(keep)));
    probe_syscalls(r);
    read_status(r);
  });
  CHECK(report["caps"] == "0");
  CHECK(report["install"] == "0");
  CHECK(hex16(keep) == "00000000800405fb");
  CHECK(report["status.CapEff"] == hex16(keep));
  CHECK(report["status.CapPrm"] == hex16(keep));
  CHECK(report["status.CapBnd"] == hex16(keep));
  CHECK(report["status.CapInh"] == "0000000000000000");
  CHECK(report["status.CapAmb"] == "0000000000000000");
  CHECK(report["status.NoNewPrivs"] == "1");
  CHECK(report["status.Seccomp"] == "2");
  CHECK(report["status.Seccomp_filters"] == "1");
  CHECK(report["getpid"] == "ok");
  CHECK(report["keyctl"] == "EPERM");
  CHECK(report["unshare_newuser"] == "EPERM");
}

TEST_CASE("capabilities: a non-root uid keeps exactly the plan's sets (PR_SET_KEEPCAPS)") {
  test::require_root();
  const uint64_t keep = security::default_capabilities();
  auto report = run_in_child([&](Report& r) {
    // What the runtime does before apply_capabilities: keep permitted across the uid change.
    r["keepcaps"] = outcome(::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    r["setresgid"] = outcome(::setresgid(1000, 1000, 1000));
    r["setresuid"] = outcome(::setresuid(1000, 1000, 1000));
    r["caps"] = std::to_string(security::apply_capabilities(keep));
    r["uid"] = std::to_string(::getuid());
    read_status(r);
  });
  CHECK(report["setresuid"] == "ok");
  CHECK(report["caps"] == "0");
  CHECK(report["uid"] == "1000");
  CHECK(report["status.CapEff"] == hex16(keep));
  CHECK(report["status.CapPrm"] == hex16(keep));
  CHECK(report["status.CapBnd"] == hex16(keep));
  CHECK(report["status.CapInh"] == "0000000000000000");
  CHECK(report["status.CapAmb"] == "0000000000000000");
}

TEST_CASE("capabilities: dropping everything and an empty bounding set") {
  test::require_root();
  auto report = run_in_child([&](Report& r) {
    r["caps"] = std::to_string(security::apply_capabilities(0));
    // Without CAP_SYS_ADMIN and CAP_SYS_CHROOT the kernel itself now refuses.
    r["chroot"] = outcome(::chroot("/"));
    read_status(r);
  });
  CHECK(report["caps"] == "0");
  CHECK(report["chroot"] == "EPERM");
  CHECK(report["status.CapEff"] == "0000000000000000");
  CHECK(report["status.CapPrm"] == "0000000000000000");
  CHECK(report["status.CapBnd"] == "0000000000000000");
  CHECK(report["status.NoNewPrivs"] == "0");
}

TEST_CASE("a Docker-style JSON profile file is compiled and enforced") {
  test::require_root();
  test::TempDir directory("srcompose-seccomp-" + std::to_string(::getpid()));
  auto path = directory.path() / "profile.json";
  test::write_file(path, R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["getppid", "no_such_syscall_anywhere"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"names": ["getpgid"], "action": "SCMP_ACT_ERRNO",
       "args": [{"index": 0, "value": 424242, "op": "SCMP_CMP_EQ"}]}
    ]
  })");
  auto filter = compile(security::default_capabilities(), spec::SeccompMode::profile_file, path);
  auto report = run_in_child([&](Report& r) {
    r["nnp"] = std::to_string(security::set_no_new_privs());
    r["install"] = std::to_string(security::install_seccomp(filter));
    r["getppid"] = outcome(::syscall(SYS_getppid));  // glibc's getppid ignores errors
    r["getpgid_match"] = outcome(::getpgid(424242));
    r["getpgid_self"] = outcome(::getpgid(0));
    r["keyctl"] =
        outcome(::syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
  });
  CHECK(report["install"] == "0");
  CHECK(report["getppid"] == "EACCES");
  CHECK(report["getpgid_match"] == "EPERM");
  CHECK(report["getpgid_self"] == "ok");
  CHECK(report["keyctl"] == "ok");  // the file replaces the default profile
}
