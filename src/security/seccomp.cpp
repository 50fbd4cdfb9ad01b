// SPDX-License-Identifier: GPL-2.0-or-later
#include "security/seccomp.hpp"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>

#include "common/unique_fd.hpp"
#include "security/seccomp_profile.hpp"

namespace srcompose::security {
namespace {

// Owner of a libseccomp filter context.
struct ContextRelease {
  void operator()(void* context) const { seccomp_release(context); }
};
using SeccompContext = std::unique_ptr<void, ContextRelease>;

uint32_t to_libseccomp(SeccompAction action, int errno_value) {
  switch (action) {
    case SeccompAction::allow:
      return SCMP_ACT_ALLOW;
    case SeccompAction::errno_return:
      return SCMP_ACT_ERRNO(static_cast<uint32_t>(errno_value));
    case SeccompAction::kill_thread:
      return SCMP_ACT_KILL_THREAD;
    case SeccompAction::kill_process:
      return SCMP_ACT_KILL_PROCESS;
    case SeccompAction::trap:
      return SCMP_ACT_TRAP;
    case SeccompAction::log:
      return SCMP_ACT_LOG;
  }
  return SCMP_ACT_KILL_PROCESS;
}

scmp_compare to_libseccomp(SeccompArgument::Op op) {
  using Op = SeccompArgument::Op;
  switch (op) {
    case Op::not_equal:
      return SCMP_CMP_NE;
    case Op::less:
      return SCMP_CMP_LT;
    case Op::less_equal:
      return SCMP_CMP_LE;
    case Op::equal:
      return SCMP_CMP_EQ;
    case Op::greater_equal:
      return SCMP_CMP_GE;
    case Op::greater:
      return SCMP_CMP_GT;
    case Op::masked_equal:
      return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

Status add_rule(scmp_filter_ctx context, const SeccompRule& rule, uint32_t default_action) {
  uint32_t action = to_libseccomp(rule.action, rule.errno_value);
  // libseccomp refuses (EACCES) a rule that repeats the default action; it would change nothing.
  if (action == default_action) return {};
  std::vector<scmp_arg_cmp> comparisons;
  for (const auto& argument : rule.arguments) {
    comparisons.push_back(scmp_arg_cmp{argument.index, to_libseccomp(argument.op), argument.value,
                                       argument.value_two});
  }
  for (const auto& name : rule.names) {
    int number = seccomp_syscall_resolve_name(name.c_str());
    // A name this libseccomp does not know (a newer syscall, another architecture's) is skipped,
    // as Docker and runc do, so one profile serves several hosts.
    if (number == __NR_SCMP_ERROR) continue;
    int rc = seccomp_rule_add_array(context, action, number,
                                    static_cast<unsigned>(comparisons.size()), comparisons.data());
    if (rc < 0) return Error::from_errno("seccomp_rule_add " + name, -rc);
  }
  return {};
}

Result<std::vector<sock_filter>> export_program(scmp_filter_ctx context) {
  // libseccomp 2.5.4 has no seccomp_export_bpf_mem: export into a memfd and read it back.
  UniqueFd memfd(::memfd_create("srcompose-seccomp", MFD_CLOEXEC));
  if (!memfd) return Error::last_errno("memfd_create srcompose-seccomp");
  if (int rc = seccomp_export_bpf(context, memfd.get()); rc < 0) {
    return Error::from_errno("seccomp_export_bpf", -rc);
  }
  struct stat status {};
  if (::fstat(memfd.get(), &status) < 0) return Error::last_errno("fstat seccomp memfd");
  auto size = static_cast<size_t>(status.st_size);
  if (size == 0 || size % sizeof(sock_filter) != 0) {
    return Error::message("seccomp_export_bpf: program of " + std::to_string(size) + " bytes");
  }
  if (size / sizeof(sock_filter) > BPF_MAXINSNS) {
    return Error::message("seccomp filter too long: " + std::to_string(size / sizeof(sock_filter)) +
                          " instructions (the kernel accepts " + std::to_string(BPF_MAXINSNS) +
                          ")");
  }
  std::vector<sock_filter> program(size / sizeof(sock_filter));
  auto* bytes = reinterpret_cast<char*>(program.data());
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(memfd.get(), bytes + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::last_errno("read seccomp memfd");
    if (n == 0) return Error::message("read seccomp memfd: short read");
    done += static_cast<size_t>(n);
  }
  return program;
}

}  // namespace

Result<CompiledSeccomp> compile_profile(const SeccompProfile& profile) {
  uint32_t default_action = to_libseccomp(profile.default_action, profile.default_errno);
  SeccompContext context(seccomp_init(default_action));
  if (!context) return Error::message("seccomp_init failed");
  // Every ABI a x86-64 process can enter the kernel through: without the i386 (int 0x80) and x32
  // (syscall with bit 30) tables, a denied syscall stays reachable by number through another ABI.
  // Any other architecture is killed (libseccomp's bad-arch action).
  for (uint32_t arch :
       std::initializer_list<uint32_t>{SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32}) {
    int rc = seccomp_arch_add(context.get(), arch);
    if (rc < 0 && rc != -EEXIST) return Error::from_errno("seccomp_arch_add", -rc);
  }
  if (int rc = seccomp_attr_set(context.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
      rc < 0) {
    return Error::from_errno("seccomp_attr_set ACT_BADARCH", -rc);
  }
  // A binary tree of syscall numbers instead of one comparison per rule: every syscall of the
  // workload walks ~10 instructions instead of up to a few hundred, and so does the kernel, which
  // runs the filter once for every syscall number of each ABI when it is installed (its action
  // cache, seccomp_cache_prepare): a quarter of a millisecond per container with the linear chain.
  if (int rc = seccomp_attr_set(context.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); rc < 0) {
    return Error::from_errno("seccomp_attr_set CTL_OPTIMIZE", -rc);
  }
  for (const auto& rule : profile.rules) {
    if (auto status = add_rule(context.get(), rule, default_action); !status) return status.error();
  }
  auto program = export_program(context.get());
  if (!program) return std::move(program).error();
  return CompiledSeccomp{std::move(*program)};
}

Result<CompiledSeccomp> compile_seccomp(const plan::SecurityPlan& plan) {
  if (plan.seccomp == spec::SeccompMode::unconfined) return CompiledSeccomp{};
  auto compiled = compile_profile(plan.seccomp_rules);
  if (!compiled) {
    return std::move(compiled).error().context(plan.seccomp == spec::SeccompMode::profile_file
                                                   ? "seccomp profile " +
                                                         plan.seccomp_profile.string()
                                                   : std::string("seccomp default profile"));
  }
  return compiled;
}

int install_seccomp(const CompiledSeccomp& filter) {
  if (filter.empty()) return 0;
  sock_fprog program{};
  program.len = static_cast<unsigned short>(filter.program.size());  // <= BPF_MAXINSNS, checked
  program.filter = const_cast<sock_filter*>(filter.program.data());
  // seccomp(2) rather than prctl: it takes flags. No TSYNC: the child is single-threaded.
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) < 0) return errno;
  return 0;
}

}  // namespace srcompose::security
