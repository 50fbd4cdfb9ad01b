// SPDX-License-Identifier: GPL-2.0-or-later
// encode_child_config / decode_child_config: what the launcher receives is the config the
// supervisor made, field by field; anything else is refused without reading past its end.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "cgroup/layout.hpp"
#include "plan/lab_plan.hpp"
#include "runtime/child_config.hpp"
#include "runtime/config_codec.hpp"
#include "spec/load.hpp"

using namespace srcompose;

namespace {

std::string text_of(const char* text) {
  return text ? "\"" + std::string(text) + "\"" : "null";
}

// Every field of a config, pointers followed: two configs that print the same are the same for
// the child.
std::string dump(const runtime::ChildConfig& config) {
  std::ostringstream out;
  for (const auto& detail : config.details)
    out << "detail " << detail << "\n";
  for (const auto& option : config.options)
    out << "option " << text_of(option.key) << "=" << text_of(option.value) << "\n";
  for (const auto& op : config.mounts) {
    out << "mount " << int(op.kind) << " " << text_of(op.target) << " " << int(op.create) << " "
        << op.fd_index << " " << text_of(op.fs_type) << " " << op.options_begin << "+"
        << op.options_count << " " << op.attributes << " " << text_of(op.link_target) << " "
        << op.detail << " " << op.no_symlinks << " " << int(op.anchor) << "\n";
  }
  out << "userns " << config.user_namespace << " cgroupns " << config.cgroup_namespace << " ro "
      << config.read_only_root << "\n";
  out << "time " << text_of(config.time_offsets) << " " << config.time_offsets_length << "\n";
  out << "host " << text_of(config.hostname) << " " << config.hostname_length << " "
      << text_of(config.domainname) << " " << config.domainname_length << "\n";
  const auto& workload = config.workload;
  for (const char* arg : workload.argv)
    out << "argv " << text_of(arg) << "\n";
  for (const char* entry : workload.envp)
    out << "env " << text_of(entry) << "\n";
  for (const char* directory : workload.search)
    out << "search " << text_of(directory) << "\n";
  out << "workdir " << text_of(workload.workdir) << " " << workload.uid << ":" << workload.gid;
  for (gid_t group : workload.groups)
    out << " +" << group;
  out << " caps " << workload.capabilities << " nnp " << workload.no_new_privs << " tty "
      << workload.controlling_terminal << "\n";
  if (workload.seccomp) {
    for (const auto& instruction : workload.seccomp->program) {
      out << "bpf " << instruction.code << " " << int(instruction.jt) << " " << int(instruction.jf)
          << " " << instruction.k << "\n";
    }
  }
  for (const auto& limit : workload.rlimits) {
    out << "rlimit " << limit.resource << " " << limit.value.rlim_cur << " " << limit.value.rlim_max
        << " " << limit.detail << "\n";
  }
  out << "details " << workload.exec_detail << " " << workload.workdir_detail << "\n";
  return out.str();
}

runtime::ChildConfig config_of(const std::string& text, const security::CompiledSeccomp& seccomp,
                               const rootfs::ResolvedUser& user) {
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  auto result = spec::load_lab_text(text, "/tmp/srcompose-codec/lab.toml", options);
  REQUIRE(result.lab.has_value());
  auto plan = plan::plan_lab(*result.lab);
  auto layout = cgroup::layout_from_mountinfo(
      "30 23 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "memory pids");
  return runtime::make_child_config(plan.containers[0], user, seccomp, {}, layout);
}

constexpr const char* kLab =
    "name = \"codec\"\n"
    "[containers.web]\n"
    "hostname = \"www\"\ndomainname = \"lab.test\"\n"
    "command = [\"/bin/sh\", \"-c\", \"echo hi\"]\n"
    "env = { GREETING = \"hello world\" }\n"
    "workdir = \"/srv\"\n"
    "time_offsets = { monotonic = 7, boottime = 9 }\n"
    "ulimits = { nofile = 256 }\n"
    "mounts = [{ type = \"tmpfs\", target = \"/run\" }]\n";

}  // namespace

TEST_CASE("a decoded config is the encoded one, field by field") {
  security::CompiledSeccomp seccomp;
  seccomp.program = {{0x20, 0, 0, 4}, {0x15, 1, 0, 0xc000003e}, {0x06, 0, 0, 0x7fff0000}};
  rootfs::ResolvedUser user{1000, 100, {27, 44}, "/home/u"};
  auto config = config_of(kLab, seccomp, user);
  REQUIRE(config.workload.seccomp == &seccomp);
  REQUIRE(config.time_offsets != nullptr);
  REQUIRE(config.hostname != nullptr);
  REQUIRE(config.workload.rlimits.size() == 1);

  auto decoded = runtime::decode_child_config(runtime::encode_child_config(config));
  REQUIRE_MESSAGE(decoded.ok(), (decoded.ok() ? "" : decoded.error().to_string()));
  const auto& copy = (*decoded)->config;
  CHECK(dump(copy) == dump(config));
  // The copy points into its own storage, not the original's.
  CHECK(copy.workload.seccomp == &(*decoded)->seccomp);
  CHECK(copy.hostname != config.hostname);
  CHECK(copy.workload.argv.back() == nullptr);
  CHECK(copy.workload.envp.back() == nullptr);
}

TEST_CASE("a config without seccomp, hostname or time namespace decodes with nulls") {
  auto config = config_of("name = \"codec\"\n[containers.plain]\n", {}, {});
  config.hostname = nullptr;
  config.hostname_length = 0;
  config.domainname = nullptr;
  config.domainname_length = 0;
  REQUIRE(config.workload.seccomp == nullptr);
  auto decoded = runtime::decode_child_config(runtime::encode_child_config(config));
  REQUIRE(decoded.ok());
  CHECK(dump((*decoded)->config) == dump(config));
  CHECK((*decoded)->config.workload.seccomp == nullptr);
  CHECK((*decoded)->config.hostname == nullptr);
}

TEST_CASE("a cut or padded config is refused, never read past its end") {
  security::CompiledSeccomp seccomp;
  seccomp.program = {{0x06, 0, 0, 0x7fff0000}};
  auto bytes = runtime::encode_child_config(config_of(kLab, seccomp, {}));
  for (size_t length = 0; length < bytes.size(); ++length) {
    auto decoded = runtime::decode_child_config(std::string_view(bytes).substr(0, length));
    CHECK_MESSAGE(!decoded.ok(), "accepted a config cut at " << length << " of " << bytes.size());
  }
  CHECK_FALSE(runtime::decode_child_config(bytes + "x").ok());
  // A count far beyond the bytes that follow (the first field: the number of details).
  std::string huge = bytes;
  huge[7] = '\x7f';
  CHECK_FALSE(runtime::decode_child_config(huge).ok());
}
