// SPDX-License-Identifier: GPL-2.0-or-later
// The compiled default seccomp filter, run by a small classic-BPF interpreter: its verdicts for
// each ABI, and how many instructions a syscall walks (issue 16: a binary tree, not a chain; the
// kernel also runs it for every syscall number when it is installed).
#include <doctest/doctest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "plan/security.hpp"
#include "security/seccomp.hpp"

using namespace srcompose;

namespace {

struct Verdict {
  uint32_t action = 0;  // SECCOMP_RET_*, with its data
  size_t steps = 0;     // instructions executed
};

// The subset libseccomp emits: loads of seccomp_data words, scratch memory, ALU with constants,
// conditional jumps, returns. Anything else fails the test.
Verdict run_filter(const std::vector<sock_filter>& program, const seccomp_data& data) {
  uint32_t a = 0, x = 0;
  std::array<uint32_t, BPF_MEMWORDS> memory{};
  Verdict verdict;
  for (size_t pc = 0; pc < program.size(); ++pc) {
    ++verdict.steps;
    const sock_filter& op = program[pc];
    const uint32_t k = op.k;
    switch (op.code) {
      case BPF_LD | BPF_W | BPF_ABS: {
        REQUIRE(k + 4 <= sizeof data);
        std::memcpy(&a, reinterpret_cast<const char*>(&data) + k, 4);
        break;
      }
      case BPF_LD | BPF_IMM:
        a = k;
        break;
      case BPF_LD | BPF_MEM:
        a = memory.at(k);
        break;
      case BPF_LDX | BPF_MEM:
        x = memory.at(k);
        break;
      case BPF_ST:
        memory.at(k) = a;
        break;
      case BPF_STX:
        memory.at(k) = x;
        break;
      case BPF_ALU | BPF_AND | BPF_K:
        a &= k;
        break;
      case BPF_ALU | BPF_OR | BPF_K:
        a |= k;
        break;
      case BPF_MISC | BPF_TAX:
        x = a;
        break;
      case BPF_MISC | BPF_TXA:
        a = x;
        break;
      case BPF_JMP | BPF_JA:
        pc += k;
        break;
      case BPF_JMP | BPF_JEQ | BPF_K:
        pc += (a == k) ? op.jt : op.jf;
        break;
      case BPF_JMP | BPF_JGT | BPF_K:
        pc += (a > k) ? op.jt : op.jf;
        break;
      case BPF_JMP | BPF_JGE | BPF_K:
        pc += (a >= k) ? op.jt : op.jf;
        break;
      case BPF_JMP | BPF_JSET | BPF_K:
        pc += (a & k) ? op.jt : op.jf;
        break;
      case BPF_RET | BPF_K:
        verdict.action = k;
        return verdict;
      case BPF_RET | BPF_A:
        verdict.action = a;
        return verdict;
      default:
        FAIL("instruction " << op.code << " at " << pc << " not known to this test");
    }
  }
  FAIL("the filter ran off its end");
  return verdict;
}

Verdict verdict_for(const security::CompiledSeccomp& filter, uint32_t arch, int nr) {
  seccomp_data data{};
  data.nr = nr;
  data.arch = arch;
  return run_filter(filter.program, data);
}

constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t kEperm = SECCOMP_RET_ERRNO | EPERM;
constexpr int kX32 = 0x40000000;  // __X32_SYSCALL_BIT

}  // namespace

TEST_CASE("the default filter's verdicts, per ABI") {
  spec::Lab lab;
  spec::Container container;
  auto compiled = security::compile_seccomp(plan::plan_security(lab, container));
  REQUIRE(compiled.ok());
  const auto& filter = *compiled;
  // read, write, exit_group: allowed in every ABI.
  CHECK(verdict_for(filter, AUDIT_ARCH_X86_64, 0).action == kAllow);
  CHECK(verdict_for(filter, AUDIT_ARCH_X86_64, 231).action == kAllow);
  CHECK(verdict_for(filter, AUDIT_ARCH_I386, 3).action == kAllow);
  CHECK(verdict_for(filter, AUDIT_ARCH_X86_64, kX32 | 1).action == kAllow);
  // kexec_load (246 on x86-64, 283 on i386, 528 on x32), reboot (169, 88): denied with EPERM in
  // every ABI, so that no ABI is a way around the filter.
  CHECK(verdict_for(filter, AUDIT_ARCH_X86_64, 246).action == kEperm);
  CHECK(verdict_for(filter, AUDIT_ARCH_I386, 283).action == kEperm);
  CHECK(verdict_for(filter, AUDIT_ARCH_X86_64, kX32 | 528).action == kEperm);
  CHECK(verdict_for(filter, AUDIT_ARCH_X86_64, 169).action == kEperm);
  CHECK(verdict_for(filter, AUDIT_ARCH_I386, 88).action == kEperm);
  // Any other architecture: the whole process is killed.
  CHECK(verdict_for(filter, AUDIT_ARCH_AARCH64, 0).action == SECCOMP_RET_KILL_PROCESS);
}

TEST_CASE("every syscall walks a short path through the default filter (a tree, not a chain)") {
  spec::Lab lab;
  spec::Container container;
  auto compiled = security::compile_seccomp(plan::plan_security(lab, container));
  REQUIRE(compiled.ok());
  size_t longest = 0;
  for (uint32_t arch : {uint32_t{AUDIT_ARCH_X86_64}, uint32_t{AUDIT_ARCH_I386}}) {
    for (int nr = 0; nr < 600; ++nr) {
      longest = std::max(longest, verdict_for(*compiled, arch, nr).steps);
      if (arch == AUDIT_ARCH_X86_64) {
        longest = std::max(longest, verdict_for(*compiled, arch, kX32 | nr).steps);
      }
    }
  }
  INFO("program: " << compiled->program.size() << " instructions, longest path " << longest);
  // libseccomp's linear chain walked over 100 for the last rules of an ABI.
  CHECK(longest <= 40);
}
