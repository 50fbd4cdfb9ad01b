// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/kernel_features.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "common/unique_fd.hpp"
#include "sys/process.hpp"
#include "sys/syscalls.hpp"

namespace srcompose::sys {

namespace {

bool forces(const std::vector<std::string>& forced, std::string_view name) {
  return std::find(forced.begin(), forced.end(), name) != forced.end();
}

int errno_of(long result) {
  return result < 0 ? errno : 0;
}

// A fresh overlay context given one layer by fd: 6.13+ accepts it; older kernels answer EINVAL
// (6.1's legacy option parser takes only strings; 6.8-6.12 know "lowerdir+" only as a path).
// The context is dropped without FSCONFIG_CMD_CREATE, so nothing is mounted.
int probe_overlay_lower_fd() {
  UniqueFd context(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!context) return errno;
  UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return errno;
  return errno_of(::fsconfig(context.get(), FSCONFIG_SET_FD, "lowerdir+", nullptr, root.get()));
}

// Before 6.11 a pidfd has no ioctls at all: ENOTTY.
int probe_pidfd_namespaces() {
  auto pidfd = open_pidfd(::getpid());
  if (!pidfd) return pidfd.error().error_number();
  auto opened = open_namespace_by_ioctl(pidfd->get(), PidfdNamespace::user);
  return opened ? 0 : opened.error().error_number();
}

// Before 6.8 statx has no unique mount id (EINVAL here) and statmount is ENOSYS.
int probe_statmount() {
  UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return errno;
  auto attached = mount_attached_by_statmount(root.get());
  return attached ? 0 : attached.error().error_number();
}

struct ProcessFeatures {
  KernelFeatures features;
  Status forced_status;  // a malformed SRCOMPOSE_FORCE_FALLBACK
};

ProcessFeatures probe_process_features() {
  ProcessFeatures result;
  // A test hook: CI runs the privileged tests once with every fallback forced on a kernel that
  // has the fast paths, so the fallbacks are proven without booting an old kernel.
  const char* value = std::getenv("SRCOMPOSE_FORCE_FALLBACK");
  auto forced = parse_forced_fallbacks(value ? value : "");
  if (!forced) result.forced_status = forced.error();
  FeatureProbes probes;
  probes.overlay_lower_fd = probe_overlay_lower_fd();
  probes.pidfd_namespaces = probe_pidfd_namespaces();
  probes.statmount = probe_statmount();
  result.features = decide_features(probes, forced ? *forced : std::vector<std::string>{});
  return result;
}

const ProcessFeatures& process_features() {
  static const ProcessFeatures features = probe_process_features();
  return features;
}

// Every call below is made with arguments the kernel rejects before doing anything (a zero size,
// fd -1, a NULL path): the answer is EINVAL, EBADF, EFAULT or EPERM where the call exists, ENOSYS
// where it does not.
const std::vector<FloorSyscall>& floor_syscalls() {
  static const std::vector<FloorSyscall> calls = {
      {"pidfd_send_signal", SYS_pidfd_send_signal, "5.1"},
      {"open_tree", SYS_open_tree, "5.2"},
      {"move_mount", SYS_move_mount, "5.2"},
      {"fsopen", SYS_fsopen, "5.2"},
      {"fsconfig", SYS_fsconfig, "5.2"},
      {"fsmount", SYS_fsmount, "5.2"},
      {"clone3", SYS_clone3, "5.3"},
      {"pidfd_open", SYS_pidfd_open, "5.3"},
      {"openat2", SYS_openat2, "5.6"},
      {"close_range", SYS_close_range, "5.9"},
      {"mount_setattr", SYS_mount_setattr, "5.12"},
  };
  return calls;
}

int probe_syscall(long number) {
  long result = -1;
  if (number == SYS_close_range) {
    result = ::syscall(number, 1U, 0U, 0U);  // first > last: EINVAL
  } else {
    result = ::syscall(number, -1L, 0L, 0L, 0L, 0L);
  }
  return result < 0 ? errno : 0;
}

}  // namespace

Result<std::vector<std::string>> parse_forced_fallbacks(std::string_view value) {
  std::vector<std::string> names;
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view name = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    if (name.empty()) continue;
    if (name == "all") {
      names.assign(std::begin(kFallbackNames), std::end(kFallbackNames));
      continue;
    }
    if (std::find(std::begin(kFallbackNames), std::end(kFallbackNames), name) ==
        std::end(kFallbackNames)) {
      std::string known = "all";
      for (auto known_name : kFallbackNames)
        known += ", " + std::string(known_name);
      return Error::message("SRCOMPOSE_FORCE_FALLBACK: unknown fallback \"" + std::string(name) +
                            "\" (known: " + known + ")");
    }
    if (!forces(names, name)) names.emplace_back(name);
  }
  return names;
}

KernelFeatures decide_features(const FeatureProbes& probes,
                               const std::vector<std::string>& forced) {
  KernelFeatures features;
  features.overlay_lower_fd = probes.overlay_lower_fd == 0 && !forces(forced, "overlay_lower_fd");
  features.pidfd_namespaces = probes.pidfd_namespaces == 0 && !forces(forced, "pidfd_namespaces");
  features.statmount = probes.statmount == 0 && !forces(forced, "statmount");
  return features;
}

const KernelFeatures& kernel_features() {
  return process_features().features;
}

std::vector<const FloorSyscall*> missing_syscalls(const std::vector<FloorSyscall>& calls,
                                                  const std::vector<int>& errors) {
  std::vector<const FloorSyscall*> missing;
  for (size_t i = 0; i < calls.size() && i < errors.size(); ++i) {
    if (errors[i] == ENOSYS) missing.push_back(&calls[i]);
  }
  return missing;
}

Error below_floor_error(const std::vector<const FloorSyscall*>& missing, std::string_view release) {
  std::string names;
  for (const auto* call : missing) {
    if (!names.empty()) names += ", ";
    names += std::string(call->name) + " (Linux " + call->since + ")";
  }
  return Error::message("this kernel (" + std::string(release) + ") lacks " + names +
                        "; srcompose needs Linux 6.1 or later");
}

Status check_kernel_floor() {
  static const Status status = []() -> Status {
    const auto& calls = floor_syscalls();
    std::vector<int> errors;
    errors.reserve(calls.size());
    for (const auto& call : calls)
      errors.push_back(probe_syscall(call.number));
    auto missing = missing_syscalls(calls, errors);
    if (!missing.empty()) {
      utsname name{};
      ::uname(&name);
      return below_floor_error(missing, name.release);
    }
    return process_features().forced_status;
  }();
  return status;
}

}  // namespace srcompose::sys
