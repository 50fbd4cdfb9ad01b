// SPDX-License-Identifier: GPL-2.0-or-later
// The device allow-list as data: v1's devices.allow lines and the BPF program, run here by a small
// interpreter of the instructions it uses (the privileged tests run it in the kernel).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "cgroup/devices.hpp"

namespace srcompose::cgroup {

namespace {

// Runs `program` on a bpf_cgroup_dev_ctx; throws on an instruction the generator never emits.
int run(const std::vector<bpf_insn>& program, uint32_t type, uint32_t access, uint32_t major,
        uint32_t minor) {
  const uint32_t context[3] = {access << 16 | type, major, minor};
  uint64_t reg[11] = {};
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const bpf_insn& insn = program[pc];
    switch (insn.code) {
      case BPF_LDX | BPF_MEM | BPF_W:
        REQUIRE(insn.src_reg == BPF_REG_1);
        reg[insn.dst_reg] = context[insn.off / 4];
        break;
      case BPF_ALU | BPF_MOV | BPF_X:
        reg[insn.dst_reg] = static_cast<uint32_t>(reg[insn.src_reg]);
        break;
      case BPF_ALU | BPF_AND | BPF_K:
        reg[insn.dst_reg] =
            static_cast<uint32_t>(reg[insn.dst_reg]) & static_cast<uint32_t>(insn.imm);
        break;
      case BPF_ALU | BPF_RSH | BPF_K:
        reg[insn.dst_reg] = static_cast<uint32_t>(reg[insn.dst_reg]) >> insn.imm;
        break;
      case BPF_JMP | BPF_JNE | BPF_K:
        if (reg[insn.dst_reg] != static_cast<uint64_t>(static_cast<int64_t>(insn.imm))) {
          pc += static_cast<size_t>(insn.off);
        }
        break;
      case BPF_ALU64 | BPF_MOV | BPF_K:
        reg[insn.dst_reg] = static_cast<uint64_t>(static_cast<int64_t>(insn.imm));
        break;
      case BPF_JMP | BPF_EXIT:
        return static_cast<int>(reg[BPF_REG_0]);
      default:
        throw std::runtime_error("unexpected instruction");
    }
  }
  throw std::runtime_error("ran off the end");
}

constexpr uint32_t kChar = BPF_DEVCG_DEV_CHAR, kBlock = BPF_DEVCG_DEV_BLOCK;
constexpr uint32_t kMknod = BPF_DEVCG_ACC_MKNOD, kRead = BPF_DEVCG_ACC_READ,
                   kWrite = BPF_DEVCG_ACC_WRITE;

}  // namespace

TEST_CASE("the default allow-list as v1 lines: Docker's") {
  std::vector<std::string> lines;
  for (const auto& rule : default_device_rules())
    lines.push_back(v1_rule_text(rule));
  CHECK(lines.front() == "c *:* m");
  CHECK(lines[1] == "b *:* m");
  CHECK(std::count(lines.begin(), lines.end(), "c 1:3 rwm") == 1);     // null
  CHECK(std::count(lines.begin(), lines.end(), "c 5:2 rwm") == 1);     // ptmx
  CHECK(std::count(lines.begin(), lines.end(), "c 136:* rwm") == 1);   // pts
  CHECK(std::count(lines.begin(), lines.end(), "c 10:232 rwm") == 0);  // kvm
}

TEST_CASE("the BPF program allows the listed devices and mknod, and nothing else") {
  auto program = device_program(default_device_rules());
  CHECK(run(program, kChar, kRead | kWrite, 1, 3) == 1);     // /dev/null
  CHECK(run(program, kChar, kRead, 1, 9) == 1);              // /dev/urandom
  CHECK(run(program, kChar, kRead | kWrite, 5, 2) == 1);     // ptmx
  CHECK(run(program, kChar, kRead | kWrite, 136, 4) == 1);   // a pty
  CHECK(run(program, kChar, kMknod, 10, 232) == 1);          // mknod of kvm...
  CHECK(run(program, kChar, kRead | kWrite, 10, 232) == 0);  // ...but no open
  CHECK(run(program, kBlock, kMknod, 254, 0) == 1);
  CHECK(run(program, kBlock, kRead, 254, 0) == 0);
  CHECK(run(program, kChar, kRead, 1, 1) == 0);            // /dev/mem
  CHECK(run(program, kBlock, kRead | kWrite, 1, 3) == 0);  // a block device 1:3 is not null
  CHECK(run(program, kChar, kMknod | kRead, 10, 232) == 0);
}

TEST_CASE("an empty list refuses everything") {
  auto program = device_program({});
  CHECK(run(program, kChar, kRead, 1, 3) == 0);
  CHECK(run(program, kBlock, kMknod, 8, 0) == 0);
}

}  // namespace srcompose::cgroup
