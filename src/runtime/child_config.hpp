// SPDX-License-Identifier: GPL-2.0-or-later
// Everything the child needs after clone, computed by the parent before it: C strings, argv/envp
// arrays, the ordered mount operations. The child only reads this (its copy-on-write image of the
// parent's memory); it allocates nothing and builds no string.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "cgroup/layout.hpp"
#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "plan/lab_plan.hpp"
#include "rootfs/prepare.hpp"
#include "security/seccomp.hpp"

namespace srcompose::runtime {

// One mount-namespace operation of the child, in order. Every target is relative to the new root
// and resolved inside it (openat2 RESOLVE_IN_ROOT), so a symlink in the image cannot point it out.
struct MountOp {
  enum class Kind : uint8_t {
    attach,      // move a mount the parent prepared (received fd) onto the target
    filesystem,  // fsopen/fsconfig/fsmount a new filesystem onto the target
    mask,        // hide: /dev/null over a file, an empty read-only tmpfs over a directory
    readonly,    // bind the target onto itself read-only
    symlink,     // create the target as a symlink to `link_target`
  };
  enum class Create : uint8_t { none, directory, file };
  Kind kind = Kind::filesystem;
  const char* target = nullptr;   // relative: "proc", "dev/null"
  Create create = Create::none;   // what to make when the target is missing (none: skip the op)
  int fd_index = -1;              // attach: index into the fds of `go`
  const char* fs_type = nullptr;  // filesystem: "proc", "tmpfs", ...
  size_t options_begin = 0;       // filesystem: range of ChildConfig::options
  size_t options_count = 0;
  uint64_t attributes = 0;            // MOUNT_ATTR_* given to fsmount
  const char* link_target = nullptr;  // symlink
  int32_t detail = -1;                // index of the container path in ChildConfig::details
  // srcompose's own mounts (proc, sysfs, /dev and its nodes): no symlink anywhere on the way to
  // the target. A crafted image's "proc -> /" would otherwise put proc over the root.
  bool no_symlinks = false;
  // filesystem: keep the new mount's fd as anchor N (< kMaxMountAnchors) for the ops below.
  // mask/readonly: `target` is relative to anchor N and resolved beneath it, never from the root:
  // "/proc/kcore" is "kcore" of the proc instance just mounted, whatever the image holds.
  int8_t anchor = -1;
};

inline constexpr int kMaxMountAnchors = 4;

// One fsconfig(2) call: a flag ("newinstance") when value is null, else a string option.
struct MountOption {
  const char* key = nullptr;
  const char* value = nullptr;
};

// Who the workload runs as and what it runs: shared by the container's workload and by processes
// of exec_in_container.
// One setrlimit(2) of the workload.
struct ResourceLimit {
  int resource = 0;
  rlimit value{};
  int32_t detail = -1;  // "ulimits.nofile = 1024:4096"
};

struct WorkloadConfig {
  std::vector<char*> argv;          // null-terminated
  std::vector<char*> envp;          // null-terminated
  std::vector<const char*> search;  // PATH directories (from envp) for a command without '/'
  const char* workdir = "/";
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  uint64_t capabilities = 0;
  bool no_new_privs = true;
  bool controlling_terminal = false;  // fd 0 is a terminal to make its own (exec -t)
  const security::CompiledSeccomp* seccomp = nullptr;
  std::vector<ResourceLimit> rlimits;
  int32_t exec_detail = -1;     // detail index of argv[0]
  int32_t workdir_detail = -1;  // detail index of workdir
};

struct ChildConfig {
  std::deque<std::string> strings;   // storage of every C string below (stable addresses)
  std::vector<std::string> details;  // names used in error messages, indexed by `detail`
  std::vector<MountOption> options;
  std::vector<MountOp> mounts;
  bool user_namespace = false;
  bool cgroup_namespace = false;
  const char* time_offsets = nullptr;  // text for /proc/self/timens_offsets, or null
  size_t time_offsets_length = 0;
  bool read_only_root = false;
  const char* hostname = nullptr;
  size_t hostname_length = 0;
  const char* domainname = nullptr;
  size_t domainname_length = 0;
  WorkloadConfig workload;

  const char* keep(std::string text);    // stores a string, returns its C string
  int32_t add_detail(std::string text);  // stores an error detail, returns its index
};

// Parent side, pure (no kernel call): the mount operations for the plan, the identity and the
// command. `bind_is_file[i]` tells whether the i-th bind mount of plan.rootfs.mounts has a regular
// file as source (the target is then created as a file); bind fds are expected in the `go` message
// at index 1 + i (index 0 is the root filesystem). `cgroups` is the host's layout: it decides the
// mounts of the plan's cgroup step (one cgroup2, or one cgroupfs per v1 hierarchy).
ChildConfig make_child_config(const plan::ContainerPlan& plan, const rootfs::ResolvedUser& user,
                              const security::CompiledSeccomp& seccomp,
                              const std::vector<bool>& bind_is_file,
                              const cgroup::HostLayout& cgroups);

// What runs, beside the plan: the container's own command, or an `exec`ed one.
struct WorkloadRequest {
  std::vector<std::string> argv;
  std::vector<std::string> extra_env;  // "KEY=value": replaces the plan's entry of the same name
  std::string workdir;                 // `exec -w`; empty: the plan's
};

// Parent side, pure: the workload part alone (exec_in_container).
void fill_workload(ChildConfig& config, const plan::ContainerPlan& plan,
                   const WorkloadRequest& request, const rootfs::ResolvedUser& user,
                   const security::CompiledSeccomp& seccomp);

}  // namespace srcompose::runtime
