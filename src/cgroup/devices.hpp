// SPDX-License-Identifier: GPL-2.0-or-later
// The device allow-list of every container: which device nodes its processes may create (mknod)
// and open. Without one, a container given CAP_MKNOD with idmap = "host" creates and opens any of
// the host's devices (its disks, /dev/kvm, /dev/mem). Enforced on cgroup v1 by the devices
// controller, on cgroup v2 by a BPF_CGROUP_DEVICE program; on hybrid hosts by both.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace srcompose::cgroup {

struct DeviceRule {
  enum class Type : uint8_t { all, character, block };
  static constexpr int64_t kAny = -1;
  Type type = Type::all;
  int64_t major = kAny;
  int64_t minor = kAny;
  bool mknod = false;
  bool read = false;
  bool write = false;
};

// Docker's default: mknod of any character or block device (so that images and package managers
// can create nodes, which stay unusable), and read/write of /dev/null, zero, full, random, urandom,
// tty, console, ptmx and the ptys (136-143: the devpts majors). Everything else is refused.
const std::vector<DeviceRule>& default_device_rules();

// "c 1:3 rwm", "b *:* m": a line for v1's devices.allow.
std::string v1_rule_text(const DeviceRule& rule);

// Pure: the BPF_PROG_TYPE_CGROUP_DEVICE program allowing exactly `rules` (returns 1 for a request
// some rule covers, else 0).
std::vector<bpf_insn> device_program(const std::vector<DeviceRule>& rules);

// Parent side, root: loads device_program(rules) with bpf(2) and attaches it to the cgroup2
// directory `dir` (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI: a program an ancestor holds still
// applies). The cgroup keeps the program until it is removed. Errors carry the verifier's log.
Status attach_device_program(const std::filesystem::path& dir,
                             const std::vector<DeviceRule>& rules);

}  // namespace srcompose::cgroup
