// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime/child_config.hpp"

#include <sched.h>

#include <algorithm>
#include <string_view>

#include "runtime/namespaces.hpp"
#include "sys/syscalls.hpp"

namespace srcompose::runtime {

const char* ChildConfig::keep(std::string text) {
  strings.push_back(std::move(text));
  return strings.back().c_str();
}

int32_t ChildConfig::add_detail(std::string text) {
  details.push_back(std::move(text));
  return static_cast<int32_t>(details.size() - 1);
}

namespace {

const char* filesystem_type(plan::MountStep::Kind kind) {
  using Kind = plan::MountStep::Kind;
  switch (kind) {
    case Kind::tmpfs:
      return "tmpfs";
    case Kind::proc:
      return "proc";
    case Kind::sysfs:
      return "sysfs";
    case Kind::devpts:
      return "devpts";
    case Kind::mqueue:
      return "mqueue";
    case Kind::cgroup:  // add_cgroup_mounts
    case Kind::bind:
      break;
  }
  return nullptr;
}

// "/dev/null" -> "dev/null": targets are opened relative to the new root's fd.
std::string relative(std::string_view path) {
  while (!path.empty() && path.front() == '/')
    path.remove_prefix(1);
  return path.empty() ? std::string(".") : std::string(path);
}

// "size=65536,mode=755,newinstance" -> one fsconfig call per comma-separated item.
void add_options(ChildConfig& config, MountOp& op, std::string_view data) {
  op.options_begin = config.options.size();
  while (!data.empty()) {
    size_t comma = data.find(',');
    std::string_view item = data.substr(0, comma);
    data = comma == std::string_view::npos ? std::string_view{} : data.substr(comma + 1);
    if (item.empty()) continue;
    size_t equals = item.find('=');
    MountOption option;
    option.key = config.keep(std::string(item.substr(0, equals)));
    if (equals != std::string_view::npos)
      option.value = config.keep(std::string(item.substr(equals + 1)));
    config.options.push_back(option);
  }
  op.options_count = config.options.size() - op.options_begin;
}

MountOp filesystem_op(ChildConfig& config, std::string_view target, const char* type,
                      std::string_view options, uint64_t attributes) {
  MountOp op;
  op.kind = MountOp::Kind::filesystem;
  op.target = config.keep(relative(target));
  op.detail = config.add_detail(std::string(target));
  op.create = MountOp::Create::directory;
  op.fs_type = type;
  op.attributes = attributes;
  add_options(config, op, options);
  return op;
}

// The container's cgroups at `step.target`, read-only, as cgroup::container_view lays them out: a
// single filesystem at the target, or a tmpfs holding one mount per hierarchy and the host's links,
// then the whole tree made read-only. A mount the kernel refuses fails the start.
void add_cgroup_mounts(ChildConfig& config, const plan::MountStep& step,
                       const cgroup::HostLayout& host) {
  const uint64_t readonly = sys::mount_attributes(step.flags, true);
  const auto view = cgroup::container_view(host);
  const size_t first = config.mounts.size();
  if (!view.needs_tmpfs()) {
    const auto& only = view.mounts.front();
    config.mounts.push_back(
        filesystem_op(config, step.target, only.fs_type, only.options, readonly));
    config.mounts.back().no_symlinks = step.no_symlinks;
    return;
  }
  config.mounts.push_back(filesystem_op(config, step.target, "tmpfs", "mode=755,size=65536",
                                        sys::mount_attributes(step.flags, false)));
  for (const auto& mount : view.mounts) {
    config.mounts.push_back(filesystem_op(config, step.target + "/" + mount.name, mount.fs_type,
                                          mount.options, readonly));
    for (const auto& name : mount.links) {
      MountOp link;
      link.kind = MountOp::Kind::symlink;
      const std::string path = step.target + "/" + name;
      link.target = config.keep(relative(path));
      link.link_target = config.keep(mount.name);
      link.detail = config.add_detail(path);
      config.mounts.push_back(link);
    }
  }
  MountOp seal;
  seal.kind = MountOp::Kind::readonly;
  seal.target = config.keep(relative(step.target));
  seal.detail = config.add_detail(step.target);
  config.mounts.push_back(seal);
  // Our own targets: an image's symlink can never redirect them (as every plan mount).
  for (size_t i = first; i < config.mounts.size(); ++i)
    config.mounts[i].no_symlinks = step.no_symlinks;
}

void add_plan_mounts(ChildConfig& config, const plan::RootfsPlan& rootfs,
                     const std::vector<bool>& bind_is_file, const cgroup::HostLayout& cgroups) {
  size_t bind_index = 0;
  bool has_dev = false;
  for (const auto& step : rootfs.mounts) {
    if (step.kind == plan::MountStep::Kind::cgroup) {
      add_cgroup_mounts(config, step, cgroups);
      continue;
    }
    MountOp op;
    op.target = config.keep(relative(step.target));
    op.detail = config.add_detail(step.target);
    op.create = MountOp::Create::directory;
    if (step.kind == plan::MountStep::Kind::bind) {
      op.kind = MountOp::Kind::attach;
      op.fd_index = static_cast<int>(1 + bind_index);
      bool is_file = bind_index < bind_is_file.size() ? bind_is_file[bind_index] : step.create_file;
      if (is_file) op.create = MountOp::Create::file;
      op.no_symlinks = step.no_symlinks;
      ++bind_index;
    } else {
      op.kind = MountOp::Kind::filesystem;
      op.fs_type = filesystem_type(step.kind);
      op.attributes = sys::mount_attributes(step.flags, step.readonly);
      op.no_symlinks = step.no_symlinks;
      add_options(config, op, step.data);
      if (step.target == "/dev") has_dev = true;
    }
    config.mounts.push_back(op);
  }
  // The links every program expects in /dev (runc's defaults); ptmx points into this container's
  // own devpts instance so ptys are never the host's.
  if (has_dev) {
    constexpr std::pair<const char*, const char*> kLinks[] = {{"/dev/fd", "/proc/self/fd"},
                                                              {"/dev/stdin", "/proc/self/fd/0"},
                                                              {"/dev/stdout", "/proc/self/fd/1"},
                                                              {"/dev/stderr", "/proc/self/fd/2"},
                                                              {"/dev/ptmx", "pts/ptmx"}};
    for (const auto& [path, target] : kLinks) {
      MountOp op;
      op.kind = MountOp::Kind::symlink;
      op.target = config.keep(relative(path));
      op.link_target = target;
      op.detail = config.add_detail(path);
      config.mounts.push_back(op);
    }
  }
}

// The filesystem op whose target is the longest prefix of `path` ("proc" for "proc/kcore"), or
// null.
MountOp* filesystem_below(ChildConfig& config, std::string_view path) {
  MountOp* best = nullptr;
  for (MountOp& op : config.mounts) {
    if (op.kind != MountOp::Kind::filesystem) continue;
    std::string_view target = op.target;
    if (path.size() <= target.size() || path.compare(0, target.size(), target) != 0 ||
        path[target.size()] != '/') {
      continue;
    }
    if (!best || target.size() > std::string_view(best->target).size()) best = &op;
  }
  return best;
}

// Masked and read-only paths are resolved beneath the kernel filesystem they belong to (proc,
// sysfs), through the fd of the mount just made: a path of the image can never stand in for them.
void add_path_ops(ChildConfig& config, const std::vector<std::string>& paths, MountOp::Kind kind) {
  for (const auto& path : paths) {
    MountOp op;
    op.kind = kind;
    op.detail = config.add_detail(path);
    std::string target = relative(path);
    op.no_symlinks = true;
    if (MountOp* filesystem = filesystem_below(config, target)) {
      if (filesystem->anchor < 0) {
        int8_t used = 0;
        for (const MountOp& other : config.mounts)
          used = std::max<int8_t>(used, static_cast<int8_t>(other.anchor + 1));
        if (used < kMaxMountAnchors) filesystem->anchor = used;
      }
      if (filesystem->anchor >= 0) {
        op.anchor = filesystem->anchor;
        target = target.substr(std::string_view(filesystem->target).size() + 1);
      }
    }
    op.target = config.keep(target);
    config.mounts.push_back(op);
  }
}

std::string_view env_value(const std::vector<std::string>& env, std::string_view name) {
  for (const auto& entry : env) {
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
        entry[name.size()] == '=') {
      return std::string_view(entry).substr(name.size() + 1);
    }
  }
  return {};
}

}  // namespace

void fill_workload(ChildConfig& config, const plan::ContainerPlan& plan,
                   const WorkloadRequest& request, const rootfs::ResolvedUser& user,
                   const security::CompiledSeccomp& seccomp) {
  const std::vector<std::string>& argv = request.argv;
  const std::vector<std::string>& extra_env = request.extra_env;
  WorkloadConfig& workload = config.workload;
  for (const auto& arg : argv)
    workload.argv.push_back(const_cast<char*>(config.keep(arg)));
  workload.argv.push_back(nullptr);

  std::vector<std::string> env = plan.process.env;
  for (const auto& extra : extra_env) {
    std::string_view name = std::string_view(extra).substr(0, extra.find('='));
    std::erase_if(env, [&](const std::string& entry) {
      return entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
             entry[name.size()] == '=';
    });
    env.push_back(extra);
  }
  for (const auto& entry : env)
    workload.envp.push_back(const_cast<char*>(config.keep(entry)));
  workload.envp.push_back(nullptr);

  // The command is looked up in the container's PATH, by the child, after pivot_root: execvp(3)
  // would use the supervisor's own PATH. Empty entries ("." by POSIX) are skipped on purpose.
  std::string_view path = env_value(env, "PATH");
  if (path.empty()) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  while (!path.empty()) {
    size_t colon = path.find(':');
    std::string_view dir = path.substr(0, colon);
    path = colon == std::string_view::npos ? std::string_view{} : path.substr(colon + 1);
    if (!dir.empty()) workload.search.push_back(config.keep(std::string(dir)));
  }

  std::string workdir = !request.workdir.empty()       ? request.workdir
                        : plan.process.workdir.empty() ? "/"
                                                       : plan.process.workdir;
  workload.workdir = config.keep(workdir);
  workload.workdir_detail = config.add_detail(workdir);
  workload.exec_detail = config.add_detail(argv.empty() ? std::string() : argv.front());
  workload.uid = user.uid;
  workload.gid = user.gid;
  workload.groups = user.supplementary_groups;
  workload.capabilities = plan.security.capabilities;
  workload.no_new_privs = plan.security.no_new_privs;
  workload.seccomp = seccomp.empty() ? nullptr : &seccomp;
  workload.rlimits.clear();
  for (const auto& ulimit : plan.process.ulimits) {
    ResourceLimit limit;
    limit.resource = ulimit.resource;
    limit.value.rlim_cur = ulimit.soft == UINT64_MAX ? RLIM_INFINITY : ulimit.soft;
    limit.value.rlim_max = ulimit.hard == UINT64_MAX ? RLIM_INFINITY : ulimit.hard;
    limit.detail = config.add_detail("ulimits." + ulimit.name);
    workload.rlimits.push_back(limit);
  }
}

ChildConfig make_child_config(const plan::ContainerPlan& plan, const rootfs::ResolvedUser& user,
                              const security::CompiledSeccomp& seccomp,
                              const std::vector<bool>& bind_is_file,
                              const cgroup::HostLayout& cgroups) {
  ChildConfig config;
  const NamespaceFlags flags = namespace_flags(plan.namespaces);
  config.user_namespace = (flags.clone & CLONE_NEWUSER) != 0;
  config.cgroup_namespace = flags.child_unshares_cgroup;
  config.read_only_root = plan.rootfs.read_only;
  if (flags.child_unshares_time && plan.process.time_offsets) {
    std::string text = "monotonic " + std::to_string(plan.process.time_offsets->monotonic) +
                       " 0\nboottime " + std::to_string(plan.process.time_offsets->boottime) +
                       " 0\n";
    config.time_offsets = config.keep(text);
    config.time_offsets_length = text.size();
  }
  if (flags.clone & CLONE_NEWUTS) {
    config.hostname = config.keep(plan.process.hostname);
    config.hostname_length = plan.process.hostname.size();
    config.domainname = config.keep(plan.process.domainname);
    config.domainname_length = plan.process.domainname.size();
  }
  add_plan_mounts(config, plan.rootfs, bind_is_file, cgroups);
  add_path_ops(config, plan.rootfs.masked_paths, MountOp::Kind::mask);
  add_path_ops(config, plan.rootfs.readonly_paths, MountOp::Kind::readonly);
  fill_workload(config, plan, WorkloadRequest{plan.process.argv, {}, {}}, user, seccomp);
  return config;
}

}  // namespace srcompose::runtime
