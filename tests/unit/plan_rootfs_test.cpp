// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>
#include <sys/mount.h>

#include <algorithm>

#include "plan/rootfs.hpp"

namespace srcompose::plan {

namespace {

spec::Lab lab_with(spec::Container container) {
  spec::Lab lab;
  lab.name = "course";
  lab.storage_dir = "/var/lib/srcompose";
  lab.containers.push_back(std::move(container));
  return lab;
}

const MountStep* find(const RootfsPlan& plan, const std::string& target) {
  auto it = std::find_if(plan.mounts.begin(), plan.mounts.end(),
                         [&](const MountStep& step) { return step.target == target; });
  return it == plan.mounts.end() ? nullptr : &*it;
}

size_t index_of(const RootfsPlan& plan, const std::string& target) {
  for (size_t i = 0; i < plan.mounts.size(); ++i) {
    if (plan.mounts[i].target == target) return i;
  }
  FAIL("no mount at " << target);
  return 0;
}

}  // namespace

TEST_CASE("plan_rootfs: layer and image directories under the storage directory") {
  spec::Container web;
  web.name = "web";
  web.read_only = true;
  web.persist = true;
  auto lab = lab_with(web);
  auto plan = plan_rootfs(lab, lab.containers[0]);
  CHECK(plan.layer_dir == "/var/lib/srcompose/containers/course/web");
  CHECK(plan.image_cache_dir == "/var/lib/srcompose/images");
  CHECK(plan.read_only);
  CHECK(plan.persist);
  CHECK(plan.source.kind == spec::RootfsKind::builtin_busybox);
}

TEST_CASE("plan_rootfs: the standard mounts, in an order where parents come first") {
  spec::Container web;
  web.name = "web";
  auto lab = lab_with(web);
  auto plan = plan_rootfs(lab, lab.containers[0]);

  const MountStep* proc = find(plan, "/proc");
  REQUIRE(proc);
  CHECK(proc->kind == MountStep::Kind::proc);
  CHECK(proc->flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC));

  const MountStep* dev = find(plan, "/dev");
  REQUIRE(dev);
  CHECK(dev->kind == MountStep::Kind::tmpfs);
  CHECK(dev->data == "mode=755,size=65536");
  CHECK((dev->flags & MS_NOSUID));
  CHECK((dev->flags & MS_NOEXEC));
  for (const char* node : {"null", "zero", "full", "random", "urandom", "tty"}) {
    const MountStep* bind = find(plan, std::string("/dev/") + node);
    REQUIRE(bind);
    CHECK(bind->kind == MountStep::Kind::bind);
    CHECK(bind->source == std::string("/dev/") + node);
    CHECK(bind->create_file);
    CHECK(index_of(plan, "/dev") < index_of(plan, std::string("/dev/") + node));
  }
  const MountStep* pts = find(plan, "/dev/pts");
  REQUIRE(pts);
  CHECK(pts->kind == MountStep::Kind::devpts);
  CHECK(pts->data == "newinstance,ptmxmode=0666,mode=0620,gid=5");
  REQUIRE(find(plan, "/dev/shm"));
  CHECK(find(plan, "/dev/mqueue")->kind == MountStep::Kind::mqueue);

  const MountStep* sys = find(plan, "/sys");
  REQUIRE(sys);
  CHECK(sys->kind == MountStep::Kind::sysfs);
  CHECK(sys->readonly);
  const MountStep* cgroup = find(plan, "/sys/fs/cgroup");
  REQUIRE(cgroup);
  CHECK(cgroup->kind == MountStep::Kind::cgroup);
  CHECK(cgroup->readonly);
  CHECK(index_of(plan, "/sys") < index_of(plan, "/sys/fs/cgroup"));

  for (const char* path :
       {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/sys/firmware"}) {
    CHECK(std::count(plan.masked_paths.begin(), plan.masked_paths.end(), path) == 1);
  }
  for (const char* path : {"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"}) {
    CHECK(std::count(plan.readonly_paths.begin(), plan.readonly_paths.end(), path) == 1);
  }
}

TEST_CASE("plan_rootfs: devpts names the tty group only when it is mapped") {
  spec::Container box;
  box.name = "box";
  box.idmap.mode = spec::IdMapMode::explicit_ranges;
  box.idmap.uid = {{0, 200000, 1}};
  box.idmap.gid = {{0, 200000, 1}};
  auto lab = lab_with(box);
  CHECK(find(plan_rootfs(lab, lab.containers[0]), "/dev/pts")->data ==
        "newinstance,ptmxmode=0666,mode=0620");

  lab.containers[0].idmap.gid = {{0, 200000, 10}};
  CHECK(find(plan_rootfs(lab, lab.containers[0]), "/dev/pts")->data ==
        "newinstance,ptmxmode=0666,mode=0620,gid=5");
}

TEST_CASE("plan_rootfs: the lab file's mounts come last, parents before children") {
  spec::Container box;
  box.name = "box";
  spec::Mount cache;
  cache.type = spec::MountType::tmpfs;
  cache.target = "/data/cache";
  cache.size = 1048576;
  cache.mode = 01777;
  spec::Mount data;
  data.type = spec::MountType::bind;
  data.source = "/srv/data";
  data.target = "/data";
  data.readonly = true;
  box.mounts = {cache, data};
  auto lab = lab_with(box);
  auto plan = plan_rootfs(lab, lab.containers[0]);

  REQUIRE(plan.mounts.size() >= 2);
  const MountStep& first = plan.mounts[plan.mounts.size() - 2];
  const MountStep& second = plan.mounts.back();
  CHECK(first.target == "/data");
  CHECK(first.kind == MountStep::Kind::bind);
  CHECK(first.source == "/srv/data");
  CHECK(first.readonly);
  CHECK(first.flags == (MS_NOSUID | MS_NODEV));
  CHECK(second.target == "/data/cache");
  CHECK(second.kind == MountStep::Kind::tmpfs);
  CHECK(second.data == "size=1048576,mode=01777");
  CHECK_FALSE(second.readonly);
}

}  // namespace srcompose::plan
