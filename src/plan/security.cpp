// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/security.hpp"

#include <array>
#include <cctype>

namespace srcompose::plan {
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

constexpr uint64_t kAllCapabilities = (uint64_t{1} << kCapabilityNames.size()) - 1;

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

uint64_t bit(std::string_view name) {
  auto number = capability_number(name);
  return number ? uint64_t{1} << *number : 0;
}

security::SeccompProfile seccomp_rules(const spec::Container& container, uint64_t capabilities) {
  switch (container.seccomp) {
    case spec::SeccompMode::unconfined:
      return {};
    case spec::SeccompMode::default_profile:
      return security::default_seccomp_profile(capabilities);
    case spec::SeccompMode::profile_file:
      break;
  }
  auto parsed = security::parse_seccomp_profile(container.seccomp_profile_json, capabilities);
  if (parsed) return std::move(*parsed);
  // Not reached for a loaded lab: the loader checked every entry (check_seccomp_profile). A
  // hand-made spec::Container that gets here fails closed: every syscall kills the workload.
  security::SeccompProfile refuse_all;
  refuse_all.default_action = security::SeccompAction::kill_process;
  return refuse_all;
}

}  // namespace

uint64_t default_capabilities() {
  uint64_t set = 0;
  for (std::string_view name :
       {"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE", "SETFCAP",
        "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}) {
    set |= bit(name);
  }
  return set;
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

SecurityPlan plan_security(const spec::Lab& /*lab*/, const spec::Container& container) {
  auto is_all = [](std::string_view name) { return equals_ignoring_case(name, "ALL"); };
  SecurityPlan plan;
  // Docker's order: "ALL" in cap_drop empties the base set, cap_add is added, then the named drops
  // are removed, so `cap_drop = ["NET_RAW"]` wins over `cap_add = ["ALL"]`. Names were validated by
  // the loader; an unknown one contributes nothing.
  uint64_t set = default_capabilities();
  for (const auto& name : container.cap_drop) {
    if (is_all(name)) set = 0;
  }
  for (const auto& name : container.cap_add)
    set |= is_all(name) ? kAllCapabilities : bit(name);
  for (const auto& name : container.cap_drop) {
    if (!is_all(name)) set &= ~bit(name);
  }
  plan.capabilities = set;
  plan.no_new_privs = true;
  plan.seccomp = container.seccomp;
  plan.seccomp_rules = seccomp_rules(container, set);
  if (container.seccomp == spec::SeccompMode::profile_file) {
    plan.seccomp_profile = container.seccomp_profile;
  }
  return plan;
}

}  // namespace srcompose::plan
