// SPDX-License-Identifier: GPL-2.0-or-later
// privileged_requests / privilege_warnings: what a lab file asks beyond the default confinement.
#include <doctest/doctest.h>

#include "plan/privileges.hpp"
#include "spec/load.hpp"

using namespace srcompose;

namespace {

spec::Lab load(const std::string& text) {
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  std::string full = "name = \"priv\"\n";
  full += text;  // not `literal + text`: g++ 12 warns falsely (-Wrestrict) on that
  auto result = spec::load_lab_text(full, "/tmp/srcompose-priv/lab.toml", options);
  for (const auto& diagnostic : result.diagnostics)
    MESSAGE(diagnostic.to_string());
  REQUIRE(result.lab.has_value());
  return std::move(*result.lab);
}

spec::Mount bind(std::string source, std::string target, bool readonly = false) {
  spec::Mount mount;
  mount.source = std::move(source);
  mount.target = std::move(target);
  mount.readonly = readonly;
  return mount;
}

}  // namespace

TEST_CASE("a confined container asks for nothing, and gets no warning") {
  auto lab = load(
      "[containers.plain]\n"
      "cap_add = [\"NET_ADMIN\", \"SYS_PTRACE\"]\n"  // namespaced: the user namespace confines them
      "[[containers.plain.mounts]]\nsource = \"/tmp\"\ntarget = \"/data\"\n"
      "[[containers.plain.mounts]]\ntype = \"tmpfs\"\ntarget = \"/run\"\n");
  CHECK(plan::privileged_requests(lab.containers[0]).empty());
  CHECK(plan::privilege_warnings(lab).empty());
}

TEST_CASE("each privileged request is named, one line per container") {
  auto lab = load(
      "[containers.root]\nidmap = \"host\"\n"
      "cap_add = [\"SYS_ADMIN\", \"SYS_MODULE\", \"NET_ADMIN\"]\nseccomp = \"unconfined\"\n"
      "[[containers.root.mounts]]\nsource = \"/\"\ntarget = \"/host\"\nreadonly = true\n"
      "[[containers.root.mounts]]\nsource = \"/proc/\"\ntarget = \"/hostproc\"\n"
      "[containers.all]\ncap_add = [\"ALL\"]\n"
      "[containers.quiet]\n");
  auto root = plan::privileged_requests(lab.containers[0]);
  CHECK(root == std::vector<std::string>{"idmap = \"host\"", "cap_add SYS_ADMIN",
                                         "cap_add SYS_MODULE", "seccomp = \"unconfined\"",
                                         "bind mount of / at /host (read-only)",
                                         "bind mount of /proc at /hostproc"});
  CHECK(plan::privileged_requests(lab.containers[1]) == std::vector<std::string>{"cap_add ALL"});
  auto warnings = plan::privilege_warnings(lab);
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0] ==
        "container root gets host power: idmap = \"host\", cap_add SYS_ADMIN, cap_add SYS_MODULE, "
        "seccomp = \"unconfined\", bind mount of / at /host (read-only), bind mount of /proc at "
        "/hostproc");
  CHECK(warnings[1] == "container all gets host power: cap_add ALL");
}

TEST_CASE("binds of kernel trees and container runtime sockets are privileged, look-alikes not") {
  spec::Container container;
  for (const char* source :
       {"/sys", "/sys/fs/cgroup", "/dev", "/dev/kvm", "/run", "/var/run", "/run/docker.sock",
        "/var/run/docker.sock", "/run/containerd/containerd.sock", "/run/podman/podman.sock",
        "/run/crio/crio.sock", "/run/srcompose", "/run/docker", "//proc/./self/../1"}) {
    CAPTURE(source);
    container.mounts = {bind(source, "/x")};
    CHECK(plan::privileged_requests(container).size() == 1);
  }
  for (const char* source : {"/processes", "/system", "/devices", "/srv/run", "/run/user/1000/data",
                             "/tmp/docker.sock", "/home/t/dev", "/run/dockerfiles"}) {
    CAPTURE(source);
    container.mounts = {bind(source, "/x")};
    CHECK(plan::privileged_requests(container).empty());
  }
}
