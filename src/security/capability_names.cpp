// SPDX-License-Identifier: GPL-2.0-or-later
#include "security/capability_names.hpp"

#include <array>
#include <cctype>

namespace srcompose::security {
namespace {

// The kernel's capability numbers (include/uapi/linux/capability.h), index = number.
constexpr std::array<std::string_view, 41> kCapabilityNames = {
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
};

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

uint64_t default_capabilities() {
  uint64_t set = 0;
  for (std::string_view name :
       {"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE", "SETFCAP",
        "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}) {
    set |= uint64_t{1} << *capability_number(name);
  }
  return set;
}

uint64_t all_capabilities() {
  return (uint64_t{1} << kCapabilityNames.size()) - 1;
}

std::optional<unsigned> capability_number(std::string_view name) {
  if (name.size() > 4 && equals_ignoring_case(name.substr(0, 4), "CAP_")) name.remove_prefix(4);
  for (unsigned number = 0; number < kCapabilityNames.size(); ++number) {
    if (equals_ignoring_case(name, kCapabilityNames[number])) return number;
  }
  return std::nullopt;
}

std::string_view capability_name(unsigned number) {
  return number < kCapabilityNames.size() ? kCapabilityNames[number] : std::string_view{};
}

bool is_all_capabilities(std::string_view name) {
  return equals_ignoring_case(name, "ALL");
}

}  // namespace srcompose::security
