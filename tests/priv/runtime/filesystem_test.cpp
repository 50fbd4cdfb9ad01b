// SPDX-License-Identifier: GPL-2.0-or-later
// What a container sees of the filesystem: its own root only, /dev with exactly the listed nodes,
// masked and read-only kernel paths, the lab file's mounts, and mount targets that stay inside the
// root even through symlinks of the image.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "runtime_helpers.hpp"

namespace srcompose::test {

namespace fs = std::filesystem;

constexpr uint64_t kNetAdmin = uint64_t{1} << 12;

TEST_CASE("/dev holds exactly the listed nodes, links and mounts") {
  require_root();
  BusyboxImage image;
  auto box = make_container(image, {.argv = {"/bin/probe", "ls", "/dev", "read", "/dev/null",
                                             "write", "/dev/full", "stat", "/dev/ptmx"},
                                    .id_base = unique_id_base()});
  Outcome outcome = run_container(*box);
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.value("entries") ==
        "fd,full,mqueue,null,ptmx,pts,random,shm,stderr,stdin,stdout,tty,urandom,zero");
  CHECK(outcome.value("write_errno") == std::to_string(ENOSPC));  // the host's /dev/full
  CHECK(outcome.value("read_errno") == "0");
  CHECK(outcome.value("stat_mode") == "120777");  // ptmx is a symlink (into pts/)
}

TEST_CASE("masked paths read as empty and read-only kernel paths refuse writes") {
  require_root();
  BusyboxImage image;
  // Only the masked files this kernel has (no /proc/kcore without CONFIG_PROC_KCORE, ...).
  std::vector<std::string> masked_files;
  for (const char* path : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"}) {
    if (fs::exists(path)) masked_files.push_back(path);
  }
  REQUIRE_FALSE(masked_files.empty());
  std::vector<std::string> argv{"/bin/probe"};
  for (const auto& path : masked_files)
    argv.insert(argv.end(), {"read", path});
  // With CAP_NET_ADMIN the container's root may write its own network namespace's sysctls: only
  // the read-only mount of /proc/sys stops the write (EROFS, not EACCES).
  argv.insert(argv.end(), {"ls", "/sys/firmware", "write", "/proc/sys/net/ipv4/ip_forward",
                           "create", "/sys/kernel/x", "exit", "0"});
  auto box =
      make_container(image, {.argv = argv, .id_base = unique_id_base(), .capabilities = kNetAdmin});
  Outcome outcome = run_container(*box);
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  CHECK(outcome.exit_code == 0);
  std::string reads;
  for (size_t i = 0; i < masked_files.size(); ++i)
    reads += "read_errno=0\nread_size=0\n";
  CHECK(outcome.out.rfind(reads, 0) == 0);
  CHECK(outcome.value("entries") == "");
  CHECK(outcome.value("write_errno") == std::to_string(EROFS));
  CHECK(outcome.value("create_errno") == std::to_string(EROFS));
}

TEST_CASE("without the read-only /proc/sys, the container's root could write its sysctls") {
  require_root();
  BusyboxImage image;
  auto box =
      make_container(image, {.argv = {"/bin/probe", "write", "/proc/sys/net/ipv4/ip_forward"},
                             .id_base = unique_id_base(),
                             .capabilities = kNetAdmin});
  box->plan.rootfs.readonly_paths = std::vector<std::string>{};
  Outcome outcome = run_container(*box);
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  CHECK(outcome.value("write_errno") == "0");
}

TEST_CASE("the host's files are not reachable from inside") {
  require_root();
  BusyboxImage image;
  TempDir host_dir("srcompose-host-secret");
  write_file(host_dir.path() / "secret", "host data\n");
  auto box = make_container(
      image, {.argv = {"/bin/probe", "stat", (host_dir.path() / "secret").string(), "ls", "/"},
              .id_base = unique_id_base()});
  Outcome outcome = run_container(*box);
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  CHECK(outcome.value("stat_errno") == std::to_string(ENOENT));
  CHECK(outcome.value("entries") == "bin,dev,etc,home,proc,root,sys,tmp");
}

TEST_CASE("the image's files belong to root inside, and root may change them") {
  require_root();
  BusyboxImage image;
  auto box =
      make_container(image, {.argv = {"/bin/probe", "stat", "/etc/passwd", "write", "/etc/passwd"},
                             .id_base = unique_id_base()});
  Outcome outcome = run_container(*box);
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  CHECK(outcome.value("stat_uid") == "0");
  CHECK(outcome.value("stat_gid") == "0");
  CHECK(outcome.value("write_errno") == "0");
  // The write went to the upper layer; the image is untouched.
  CHECK(read_file(image.path() / "etc/passwd").rfind("root:x:0:0", 0) == 0);
  CHECK(read_file(box->rootfs.upper / "etc/passwd").rfind("1", 0) == 0);
}

TEST_CASE("bind and tmpfs mounts of the lab file, read-only where asked") {
  require_root();
  BusyboxImage image;
  TempDir shared("srcompose-shared");
  write_file(shared.path() / "hello", "hi\n");
  fs::create_directories(shared.path() / "outbox");
  ::chmod((shared.path() / "outbox").c_str(), 0777);
  spec::Mount ro;
  ro.type = spec::MountType::bind;
  ro.source = shared.path();
  ro.target = "/srv/ro";
  ro.readonly = true;
  spec::Mount rw;
  rw.type = spec::MountType::bind;
  rw.source = shared.path() / "outbox";
  rw.target = "/srv/out";
  spec::Mount file;
  file.type = spec::MountType::bind;
  file.source = shared.path() / "hello";
  file.target = "/etc/motd";
  spec::Mount scratch;
  scratch.type = spec::MountType::tmpfs;
  scratch.target = "/scratch";
  scratch.size = 1 << 20;
  scratch.mode = 01777;
  auto box = make_container(
      image, {.argv = {"/bin/probe", "read", "/srv/ro/hello", "create", "/srv/ro/new", "read",
                       "/etc/motd", "stat", "/scratch", "create", "/srv/out/made"},
              .id_base = unique_id_base(),
              .mounts = {ro, rw, file, scratch}});
  Outcome outcome = run_container(*box);
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out.find("read_errno=0\nread_size=3\n") != std::string::npos);
  CHECK(outcome.out.find("create_errno=" + std::to_string(EROFS)) != std::string::npos);
  CHECK(outcome.value("stat_mode") == "41777");
  CHECK(outcome.out.rfind("create_errno=0") != std::string::npos);
  CHECK(fs::exists(shared.path() / "outbox/made"));
  CHECK_FALSE(fs::exists(shared.path() / "new"));
  // Nothing of it on the host's mount table.
  CHECK(host_mounts_with(shared.path().string()).empty());
}

TEST_CASE("a symlinked mount target in the image stays inside the rootfs") {
  require_root();
  BusyboxImage image;
  TempDir outside("srcompose-outside");
  TempDir source("srcompose-source");
  write_file(source.path() / "marker", "x");
  // The image points "escape" at a host directory by absolute path (which the image also has) and
  // "up" far above its root.
  fs::create_directories(image.path() / outside.path().relative_path());
  fs::create_symlink(outside.path(), image.path() / "escape");
  fs::create_symlink("../../../../../..", image.path() / "up");
  spec::Mount through_absolute;
  through_absolute.type = spec::MountType::bind;
  through_absolute.source = source.path();
  through_absolute.target = "/escape";
  spec::Mount through_dotdot;
  through_dotdot.type = spec::MountType::tmpfs;
  through_dotdot.target = "/up/tmp/dotdot";
  auto box = make_container(
      image, {.argv = {"/bin/probe", "stat", (outside.path() / "marker").string(), "ls", "/tmp"},
              .id_base = unique_id_base(),
              .mounts = {through_absolute, through_dotdot}});
  Outcome outcome = run_container(*box);
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  CHECK(outcome.exit_code == 0);
  // Inside, the link resolved in the container's root: the bind sits on the image's directory...
  CHECK(outcome.value("stat_errno") == "0");
  // ...and "up/tmp/dotdot" became the container's own /tmp/dotdot.
  CHECK(outcome.value("entries").find("dotdot") != std::string::npos);
  // The host directory the link names was never touched, and no mount shows on the host.
  CHECK(fs::is_empty(outside.path()));
  CHECK(host_mounts_with(outside.path().string()).empty());
  CHECK(host_mounts_with(source.path().string()).empty());
}

TEST_CASE("a mount target behind a dangling symlink is refused, not created on the host") {
  require_root();
  BusyboxImage image;
  TempDir outside("srcompose-outside");
  fs::create_symlink(outside.path() / "made-by-container", image.path() / "dangling");
  spec::Mount scratch;
  scratch.type = spec::MountType::tmpfs;
  scratch.target = "/dangling";
  auto box = make_container(image, {.id_base = unique_id_base(), .mounts = {scratch}});
  auto started = box->start();
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().to_string() ==
        "container box: resolve mount target /dangling: No such file or directory");
  CHECK(fs::is_empty(outside.path()));
}

TEST_CASE("a read-only root refuses writes outside its mounts") {
  require_root();
  BusyboxImage image;
  auto box = make_container(
      image, {.argv = {"/bin/probe", "create", "/etc/new", "write", "/dev/shm/../null"},
              .id_base = unique_id_base(),
              .read_only = true});
  Outcome outcome = run_container(*box);
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  CHECK(outcome.value("create_errno") == std::to_string(EROFS));
  CHECK(outcome.value("write_errno") == "0");
}

TEST_CASE("idmap = host: no user namespace, root is the host's root, with reduced capabilities") {
  require_root();
  BusyboxImage image;
  auto box =
      make_container(image, {.argv = {"/bin/probe", "ids", "create", "/made"}, .id_base = 0});
  Outcome outcome = run_container(*box);
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.value("uid") == "0");
  CHECK(outcome.value("CapEff") == "00000000800405fb");
  struct stat made {};
  REQUIRE(::stat((box->rootfs.upper / "made").c_str(), &made) == 0);
  CHECK(made.st_uid == 0);
}

}  // namespace srcompose::test
