// SPDX-License-Identifier: GPL-2.0-or-later
// Seccomp profiles as data: the built-in default and Docker/OCI-style JSON files. Pure code; the
// libseccomp side lives in seccomp.cpp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace srcompose::security {

enum class SeccompAction { allow, errno_return, kill_thread, kill_process, trap, log };

// One comparison on a syscall argument, as libseccomp's scmp_arg_cmp.
struct SeccompArgument {
  enum class Op { not_equal, less, less_equal, equal, greater_equal, greater, masked_equal };
  unsigned index = 0;  // 0..5
  Op op = Op::equal;
  uint64_t value = 0;
  uint64_t value_two = 0;  // masked_equal: the value compared after masking with `value`

  friend bool operator==(const SeccompArgument&, const SeccompArgument&) = default;
};

// A rule: each named syscall gets `action` when all `arguments` match. Rules for the same syscall
// with the same action are alternatives (OR).
struct SeccompRule {
  std::vector<std::string> names;
  SeccompAction action = SeccompAction::errno_return;
  int errno_value = 1;  // EPERM; errno_return only
  std::vector<SeccompArgument> arguments;

  friend bool operator==(const SeccompRule&, const SeccompRule&) = default;
};

struct SeccompProfile {
  SeccompAction default_action = SeccompAction::allow;
  int default_errno = 1;  // EPERM; errno_return only
  std::vector<SeccompRule> rules;

  friend bool operator==(const SeccompProfile&, const SeccompProfile&) = default;
};

// srcompose's default: a deny-list (see the comment in the implementation for why), tightened when
// the container does not hold CAP_SYS_ADMIN, CAP_SYS_TIME, ... (`capabilities`: bit i = cap i).
SeccompProfile default_seccomp_profile(uint64_t capabilities);

// Parses the subset of the Docker/OCI seccomp JSON format srcompose understands: "defaultAction",
// "defaultErrnoRet", and "syscalls" entries with "names" (or "name"), "action", "errnoRet", "args"
// (index, value, valueTwo, op) and "includes"/"excludes" on "caps" and "arches". Entries whose
// includes/excludes do not select this host (x86-64) or `capabilities` are dropped, as Docker does;
// "minKernel" is treated as satisfied (srcompose needs a far newer kernel than any profile names);
// "architectures"/"archMap" are ignored because srcompose always covers x86-64, x32 and i386.
// Errors name the JSON position or the entry.
Result<SeccompProfile> parse_seccomp_profile(std::string_view json, uint64_t capabilities);

// Reads a profile file: a regular file of at most 4 MiB, never a FIFO or device.
Result<std::string> read_seccomp_profile_file(const std::filesystem::path& path);

// What parse_seccomp_profile would say of `json` for any capabilities: every entry is read, whether
// it selects the host and the capabilities or not. A profile this accepts parses for every
// capability set (so the loader checks it once and planning cannot fail on it).
Status check_seccomp_profile(std::string_view json);

}  // namespace srcompose::security
