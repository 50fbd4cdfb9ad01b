// SPDX-License-Identifier: GPL-2.0-or-later
#include "cgroup/devices.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "common/unique_fd.hpp"

namespace srcompose::cgroup {

namespace {

constexpr int kPtyMajorFirst = 136, kPtyMajorLast = 143;  // UNIX98_PTY_MAJOR_COUNT = 8

DeviceRule character(int64_t major, int64_t minor) {
  return {DeviceRule::Type::character, major, minor, true, true, true};
}

std::vector<DeviceRule> make_default_rules() {
  std::vector<DeviceRule> rules;
  rules.push_back({DeviceRule::Type::character, DeviceRule::kAny, DeviceRule::kAny, true});
  rules.push_back({DeviceRule::Type::block, DeviceRule::kAny, DeviceRule::kAny, true});
  for (int64_t minor : {3, 5, 7, 8, 9})  // null, zero, full, random, urandom
    rules.push_back(character(1, minor));
  for (int64_t minor : {0, 1, 2})  // tty, console, ptmx
    rules.push_back(character(5, minor));
  for (int64_t major = kPtyMajorFirst; major <= kPtyMajorLast; ++major)
    rules.push_back(character(major, DeviceRule::kAny));
  return rules;
}

// The few instruction forms the program needs (the kernel's own macros are not in its uapi).
bpf_insn instruction(uint8_t code, uint8_t dst, uint8_t src, int16_t offset, int32_t immediate) {
  bpf_insn insn{};
  insn.code = code;
  insn.dst_reg = dst & 0xf;
  insn.src_reg = src & 0xf;
  insn.off = offset;
  insn.imm = immediate;
  return insn;
}
bpf_insn load_word(uint8_t dst, uint8_t src, int16_t offset) {
  return instruction(BPF_LDX | BPF_MEM | BPF_W, dst, src, offset, 0);
}
bpf_insn alu32_immediate(uint8_t operation, uint8_t dst, int32_t immediate) {
  return instruction(BPF_ALU | operation | BPF_K, dst, 0, 0, immediate);
}
bpf_insn move32_register(uint8_t dst, uint8_t src) {
  return instruction(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
}
bpf_insn jump_if_not_equal(uint8_t reg, int32_t immediate) {
  return instruction(BPF_JMP | BPF_JNE | BPF_K, reg, 0, 0, immediate);  // offset patched later
}
bpf_insn return_value(int32_t value) {
  return instruction(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, value);
}
bpf_insn exit_program() {
  return instruction(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

// Registers after the prologue: the request's device type, access, major and minor.
constexpr uint8_t kType = BPF_REG_2, kAccess = BPF_REG_3, kMajor = BPF_REG_4, kMinor = BPF_REG_5;
constexpr uint8_t kScratch = BPF_REG_1;  // the context pointer is not needed after the prologue

int32_t access_bits(const DeviceRule& rule) {
  return (rule.mknod ? BPF_DEVCG_ACC_MKNOD : 0) | (rule.read ? BPF_DEVCG_ACC_READ : 0) |
         (rule.write ? BPF_DEVCG_ACC_WRITE : 0);
}

// One rule: a run of "skip to the next rule unless ..." checks, then "return 1".
void append_rule(std::vector<bpf_insn>& program, const DeviceRule& rule) {
  std::vector<bpf_insn> block;
  if (rule.type != DeviceRule::Type::all) {
    block.push_back(jump_if_not_equal(
        kType, rule.type == DeviceRule::Type::block ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
  }
  const int32_t all_access = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
  if (access_bits(rule) != all_access) {
    // Covered when the request asks for nothing beyond the rule: (access & ~allowed) == 0.
    block.push_back(move32_register(kScratch, kAccess));
    block.push_back(alu32_immediate(BPF_AND, kScratch, ~access_bits(rule)));
    block.push_back(jump_if_not_equal(kScratch, 0));
  }
  if (rule.major != DeviceRule::kAny) {
    block.push_back(jump_if_not_equal(kMajor, static_cast<int32_t>(rule.major)));
  }
  if (rule.minor != DeviceRule::kAny) {
    block.push_back(jump_if_not_equal(kMinor, static_cast<int32_t>(rule.minor)));
  }
  block.push_back(return_value(1));
  block.push_back(exit_program());
  for (size_t i = 0; i < block.size(); ++i) {
    if (block[i].code == (BPF_JMP | BPF_JNE | BPF_K)) {
      block[i].off = static_cast<int16_t>(block.size() - i - 1);  // to the first of the next rule
    }
  }
  program.insert(program.end(), block.begin(), block.end());
}

long bpf(int command, bpf_attr* attributes) {
  return ::syscall(SYS_bpf, command, attributes, sizeof *attributes);
}

Result<UniqueFd> load_program(const std::vector<bpf_insn>& program) {
  static const char kLicense[] = "GPL";
  auto load = [&](char* log, uint32_t log_size) {
    bpf_attr attributes{};
    attributes.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attributes.insns = reinterpret_cast<uint64_t>(program.data());
    attributes.insn_cnt = static_cast<uint32_t>(program.size());
    attributes.license = reinterpret_cast<uint64_t>(kLicense);
    attributes.log_buf = reinterpret_cast<uint64_t>(log);
    attributes.log_size = log_size;
    attributes.log_level = log ? 1 : 0;
    std::strncpy(attributes.prog_name, "srcompose_dev", sizeof attributes.prog_name - 1);
    return UniqueFd(static_cast<int>(bpf(BPF_PROG_LOAD, &attributes)));
  };
  UniqueFd fd = load(nullptr, 0);
  if (fd) return fd;
  const int error = errno;
  // Again with the verifier's log, for the message.
  std::string log(16384, '\0');
  (void)load(log.data(), static_cast<uint32_t>(log.size()));
  log.resize(std::strlen(log.c_str()));
  while (!log.empty() && log.back() == '\n')
    log.pop_back();
  std::string operation = "bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE)";
  if (!log.empty()) operation += " [verifier: " + log + "]";
  return Error::from_errno(operation, error);
}

}  // namespace

const std::vector<DeviceRule>& default_device_rules() {
  static const std::vector<DeviceRule> rules = make_default_rules();
  return rules;
}

std::string v1_rule_text(const DeviceRule& rule) {
  auto number = [](int64_t value) {
    return value == DeviceRule::kAny ? std::string("*") : std::to_string(value);
  };
  std::string text = rule.type == DeviceRule::Type::all         ? "a"
                     : rule.type == DeviceRule::Type::character ? "c"
                                                                : "b";
  text += " " + number(rule.major) + ":" + number(rule.minor) + " ";
  if (rule.read) text += "r";
  if (rule.write) text += "w";
  if (rule.mknod) text += "m";
  return text;
}

std::vector<bpf_insn> device_program(const std::vector<DeviceRule>& rules) {
  // struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major; u32 minor; }
  std::vector<bpf_insn> program = {
      load_word(kType, BPF_REG_1, 0),          move32_register(kAccess, kType),
      alu32_immediate(BPF_AND, kType, 0xffff), alu32_immediate(BPF_RSH, kAccess, 16),
      load_word(kMajor, BPF_REG_1, 4),         load_word(kMinor, BPF_REG_1, 8),
  };
  for (const auto& rule : rules)
    append_rule(program, rule);
  program.push_back(return_value(0));
  program.push_back(exit_program());
  return program;
}

namespace {

bool same_program(const std::vector<bpf_insn>& a, const std::vector<bpf_insn>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(bpf_insn)) == 0;
}

// The loaded program for `instructions`, loaded once per process: every container gets the same
// rules, and a load (the verifier's pass) is a twentieth of a container's whole setup. The kernel
// lets one program be attached to any number of cgroups. Called from the supervisor's blocking pool
// threads at once, hence the lock.
Result<int> shared_program(const std::vector<bpf_insn>& instructions) {
  static std::mutex mutex;
  static std::vector<bpf_insn> loaded_instructions;
  static UniqueFd loaded;
  const std::lock_guard lock(mutex);
  if (loaded && same_program(loaded_instructions, instructions)) return loaded.get();
  auto program = load_program(instructions);
  if (!program) return std::move(program).error();
  loaded_instructions = instructions;
  loaded = std::move(*program);
  return loaded.get();
}

}  // namespace

Status attach_device_program(const std::filesystem::path& dir,
                             const std::vector<DeviceRule>& rules) {
  auto program = shared_program(device_program(rules));
  if (!program) return std::move(program).error().context("device filter for " + dir.string());
  UniqueFd cgroup(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup) return Error::last_errno("open " + dir.string());
  bpf_attr attributes{};
  attributes.target_fd = static_cast<uint32_t>(cgroup.get());
  attributes.attach_bpf_fd = static_cast<uint32_t>(*program);
  attributes.attach_type = BPF_CGROUP_DEVICE;
  attributes.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, &attributes) < 0) {
    return Error::last_errno("bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE) " + dir.string());
  }
  return {};
}

}  // namespace srcompose::cgroup
