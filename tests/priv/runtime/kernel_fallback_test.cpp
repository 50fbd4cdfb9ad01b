// SPDX-License-Identifier: GPL-2.0-or-later
// The fallbacks for interfaces newer than Linux 6.1 (sys/kernel_features.hpp), run explicitly on
// this kernel, which also has the fast paths: both ways must give the same result and leave the
// same nothing behind. CTest runs this whole program a second time with every fallback forced.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/parent_mounts.hpp"
#include "runtime_helpers.hpp"
#include "sys/kernel_features.hpp"
#include "sys/syscalls.hpp"

namespace srcompose::test {

namespace {

struct stat stat_at(int dirfd, const char* path) {
  struct stat status {};
  REQUIRE_MESSAGE(::fstatat(dirfd, path, &status, AT_EMPTY_PATH) == 0, path);
  return status;
}

}  // namespace

TEST_CASE("the idmapped root is the same by fd and by the private-namespace path, and hides") {
  require_root();
  BusyboxImage image;
  const uint32_t base = unique_id_base();
  // Any user namespace with the container's maps will do: a running container's.
  auto holder = make_container(image, {.argv = {"/bin/probe", "sleep", "30"}, .id_base = base});
  auto started = holder->start();
  REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().to_string()));
  auto userns = sys::open_namespace(started->init.pidfd(), sys::PidfdNamespace::user);
  REQUIRE_MESSAGE(userns.ok(), (userns.ok() ? "" : userns.error().to_string()));

  std::vector<runtime::LowerLayer> ways{runtime::LowerLayer::by_private_path};
  if (sys::kernel_features().overlay_lower_fd) ways.push_back(runtime::LowerLayer::by_fd);
  for (auto how : ways) {
    CAPTURE(static_cast<int>(how));
    auto box = make_container(image, {.name = "root", .id_base = base});
    const auto before = host_mounts_with(image.base().string());
    auto root = runtime::make_root_mount(box->rootfs, userns->get(), how);
    REQUIRE_MESSAGE(root.ok(), (root.ok() ? "" : root.error().to_string()));
    // The image's root-owned files show as the container's root; the upper layer is writable.
    CHECK(stat_at(root->get(), "etc/passwd").st_uid == base);
    CHECK(stat_at(root->get(), "bin/probe").st_uid == base);
    UniqueFd file(::openat(root->get(), "written", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    CHECK(file);
    CHECK(std::filesystem::exists(box->rootfs.upper / "written"));
    // A detached mount: nothing of it, nor of the private namespace's attached image, shows here.
    CHECK(host_mounts_with(image.base().string()) == before);
  }
  REQUIRE(started->init.signal(SIGKILL).ok());
  (void)finish(*started);
}

TEST_CASE("a namespace reached through /proc is the process's, and a reaped pidfd is refused") {
  require_root();
  BusyboxImage image;
  auto box = make_container(image, {.argv = {"/bin/probe", "sleep", "30"},
                                    .id_base = unique_id_base(),
                                    .time_offsets = spec::TimeOffsets{3600, 3600}});
  auto started = box->start();
  REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().to_string()));
  const int pidfd = started->init.pidfd();
  const std::string proc = "/proc/" + std::to_string(started->init.pid()) + "/ns/";

  auto pid = sys::pidfd_pid(pidfd);
  REQUIRE(pid.ok());
  CHECK(*pid == started->init.pid());
  for (auto [which, name] :
       {std::pair{sys::PidfdNamespace::user, "user"},
        std::pair{sys::PidfdNamespace::time_for_children, "time_for_children"}}) {
    CAPTURE(name);
    const struct stat expected = stat_at(AT_FDCWD, (proc + name).c_str());
    auto by_proc = sys::open_namespace_by_proc(pidfd, which);
    REQUIRE_MESSAGE(by_proc.ok(), (by_proc.ok() ? "" : by_proc.error().to_string()));
    CHECK(stat_at(by_proc->get(), "").st_ino == expected.st_ino);
    if (sys::kernel_features().pidfd_namespaces) {
      auto by_ioctl = sys::open_namespace_by_ioctl(pidfd, which);
      REQUIRE(by_ioctl.ok());
      CHECK(stat_at(by_ioctl->get(), "").st_ino == expected.st_ino);
    }
  }

  REQUIRE(started->init.signal(SIGKILL).ok());
  (void)finish(*started);  // reaps the init: its pid is free for anyone now
  auto gone = sys::open_namespace_by_proc(pidfd, sys::PidfdNamespace::user);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().error_number() == ESRCH);
}

TEST_CASE("a mount is attached and its open_tree clone is not, by statmount and by mountinfo") {
  require_root();
  UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(root);
  UniqueFd clone(::open_tree(root.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
  REQUIRE(clone);
  std::vector<Result<bool> (*)(int)> ways{sys::mount_attached_by_mountinfo};
  if (sys::kernel_features().statmount) ways.push_back(sys::mount_attached_by_statmount);
  ways.push_back(sys::mount_is_attached);
  for (size_t way = 0; way < ways.size(); ++way) {
    CAPTURE(way);
    auto attached = ways[way](root.get());
    REQUIRE_MESSAGE(attached.ok(), (attached.ok() ? "" : attached.error().to_string()));
    CHECK(*attached);
    auto detached = ways[way](clone.get());
    REQUIRE_MESSAGE(detached.ok(), (detached.ok() ? "" : detached.error().to_string()));
    CHECK_FALSE(*detached);
  }
}

TEST_CASE("SRCOMPOSE_FORCE_FALLBACK, when set, turned the fast paths off in this process") {
  const char* value = std::getenv("SRCOMPOSE_FORCE_FALLBACK");
  auto forced = sys::parse_forced_fallbacks(value ? value : "");
  REQUIRE(forced.ok());
  const auto& features = sys::kernel_features();
  for (const auto& name : *forced) {
    CAPTURE(name);
    if (name == "overlay_lower_fd") CHECK_FALSE(features.overlay_lower_fd);
    if (name == "pidfd_namespaces") CHECK_FALSE(features.pidfd_namespaces);
    if (name == "statmount") CHECK_FALSE(features.statmount);
  }
  CHECK(sys::check_kernel_floor().ok());
}

}  // namespace srcompose::test
