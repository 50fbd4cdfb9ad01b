// SPDX-License-Identifier: GPL-2.0-or-later
// srcompose's default seccomp profile.
//
// Why a deny-list (default allow, listed syscalls fail with EPERM) and not Docker's allow-list: the
// container already runs in its own user namespace with a reduced capability set, so every syscall
// that needs real privilege fails anyway; what seccomp adds is cutting kernel attack surface that
// an unprivileged user can still reach and that keeps producing local root exploits (io_uring, bpf,
// userfaultfd, keyrings, perf, nested user namespaces). A deny-list states exactly that intent,
// stays short enough to review, and does not break student programs that use a syscall newer than
// the list. The price: a syscall added by a future kernel is allowed until listed here.
#include <linux/capability.h>
#include <linux/sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <initializer_list>

#include "security/seccomp_profile.hpp"

namespace srcompose::security {
namespace {

SeccompRule deny(std::initializer_list<const char*> names, int errno_value = EPERM) {
  SeccompRule rule;
  for (const char* name : names)
    rule.names.emplace_back(name);
  rule.action = SeccompAction::errno_return;
  rule.errno_value = errno_value;
  return rule;
}

// `name` fails when its first argument (the clone/unshare flags) has `flag` set.
SeccompRule deny_flag(const char* name, uint64_t flag) {
  SeccompRule rule = deny({name});
  rule.arguments.push_back({0, SeccompArgument::Op::masked_equal, flag, flag});
  return rule;
}

// socket/socketpair fail when their first argument (the address family) is `family`, or above it
// with `above`.
SeccompRule deny_family(uint64_t family, bool above = false) {
  SeccompRule rule = deny({"socket", "socketpair"});
  rule.arguments.push_back(
      {0, above ? SeccompArgument::Op::greater : SeccompArgument::Op::equal, family, 0});
  return rule;
}

// The address families a container may open sockets of: everything a lab's programs use (local,
// IPv4, IPv6, netlink for ip(8), packet for tcpdump with CAP_NET_RAW). Each other family is a
// protocol module the kernel loads on first use (net-pf-N) for anyone who asks: AF_VSOCK reaches
// the hypervisor's services on a VM host (Docker blocks it since 23.0), AF_ALG is the kernel's
// crypto API, and TIPC, RDS, CAN, LLC, X.25, AX.25, DECnet... have each had local root bugs that
// only needed socket(2). Docker blocks AF_VSOCK alone; a lab has no use for any of these, so all of
// them are refused, with Docker's EPERM (distinct from the kernel's EAFNOSUPPORT when a family
// is not built). libseccomp cannot read socketcall(2)'s arguments (the i386 ABI passes them in
// memory), so on that ABI it refuses socket/socketpair through socketcall altogether: 32-bit glibc
// programs have no sockets under the default profile (fail closed; a profile file can allow them).
constexpr uint64_t kAllowedFamilies[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET};

void deny_other_families(std::vector<SeccompRule>& rules) {
  static_assert(AF_PACKET == 17 && AF_NETLINK == 16 && AF_INET6 == 10);
  for (uint64_t family = 0; family < AF_PACKET; ++family) {
    bool allowed = false;
    for (uint64_t ok : kAllowedFamilies)
      allowed = allowed || ok == family;
    if (!allowed) rules.push_back(deny_family(family));
  }
  rules.push_back(deny_family(AF_PACKET, /*above=*/true));
}

// Every CLONE_NEW* flag clone(2) accepts (CLONE_NEWTIME only works with unshare/clone3).
constexpr uint64_t kNamespaceFlags[] = {CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                                        CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET};

}  // namespace

SeccompProfile default_seccomp_profile(uint64_t capabilities) {
  auto has = [capabilities](unsigned cap) { return ((capabilities >> cap) & 1U) != 0; };
  SeccompProfile profile;
  profile.default_action = SeccompAction::allow;
  auto& rules = profile.rules;

  // Always: kernel keyrings are not namespaced (CVE-2016-0728 and friends); io_uring is the most
  // exploited interface of recent years and Docker blocks it since 25.0; userfaultfd turns races
  // into reliable exploits; kexec and modules are never a container's business; open_by_handle_at
  // is the "shocker" escape from a bind mount.
  rules.push_back(deny({"keyctl",
                        "add_key",
                        "request_key",
                        "userfaultfd",
                        "io_uring_setup",
                        "io_uring_enter",
                        "io_uring_register",
                        "kexec_load",
                        "kexec_file_load",
                        "init_module",
                        "finit_module",
                        "delete_module",
                        "create_module",
                        "open_by_handle_at",
                        "lookup_dcookie",
                        "uselib",
                        "nfsservctl",
                        "vm86",
                        "vm86old",
                        "get_kernel_syms",
                        "query_module",
                        "_sysctl",
                        "sysfs"}));
  deny_other_families(rules);
  // bpf and perf stay possible only for a container given CAP_BPF / CAP_PERFMON (or SYS_ADMIN), as
  // with Docker: a student asking for them explicitly gets them.
  if (!has(CAP_SYS_ADMIN) && !has(CAP_BPF)) rules.push_back(deny({"bpf"}));
  if (!has(CAP_SYS_ADMIN) && !has(CAP_PERFMON)) rules.push_back(deny({"perf_event_open"}));

  // No nested user namespace, ever: it would hand the workload a full capability set over fresh
  // namespaces, the entry point of most container-to-kernel exploits. clone3 passes its flags in a
  // struct seccomp cannot read, so it reports ENOSYS and libc falls back to clone (Docker, runc).
  rules.push_back(deny({"clone3"}, ENOSYS));
  // The strings below ("unshare", "mount", ...) are syscall names for libseccomp, not programs:
  // srcompose runs no system tool.
  if (has(CAP_SYS_ADMIN)) {
    rules.push_back(deny_flag("clone", CLONE_NEWUSER));
    rules.push_back(deny_flag("unshare", CLONE_NEWUSER));
  } else {
    // Without CAP_SYS_ADMIN no namespace can be made at all: say so early with EPERM.
    for (uint64_t flag : kNamespaceFlags)
      rules.push_back(deny_flag("clone", flag));
    rules.push_back(
        deny({"unshare", "setns", "mount", "umount", "umount2", "pivot_root", "fsopen", "fsconfig",
              "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr", "swapon", "swapoff",
              "quotactl", "quotactl_fd", "fanotify_init", "name_to_handle_at"}));
  }
  if (!has(CAP_SYS_TIME)) {
    rules.push_back(deny({"settimeofday", "stime", "clock_settime", "clock_settime64",
                          "clock_adjtime", "clock_adjtime64"}));
  }
  if (!has(CAP_SYS_BOOT)) rules.push_back(deny({"reboot"}));
  if (!has(CAP_SYS_PACCT)) rules.push_back(deny({"acct"}));
  if (!has(CAP_SYS_RAWIO)) rules.push_back(deny({"iopl", "ioperm"}));
  if (!has(CAP_SYSLOG)) rules.push_back(deny({"syslog"}));
  if (!has(CAP_SYS_TTY_CONFIG)) rules.push_back(deny({"vhangup"}));
  // ptrace stays allowed: since Linux 4.8 a tracee cannot use it to bypass seccomp.
  return profile;
}

}  // namespace srcompose::security
