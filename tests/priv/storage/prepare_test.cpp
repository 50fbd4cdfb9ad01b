// SPDX-License-Identifier: GPL-2.0-or-later
// Privileged tests of the rootfs module: images (builtin busybox, tarballs, hostile tarballs), the
// writable layer, files written into it, removal, and user resolution.
#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "common/unique_fd.hpp"
#include "rootfs/prepare.hpp"
#include "test_support.hpp"

using namespace srcompose;
namespace fs = std::filesystem;

namespace {

// Host ids of the container's root in these tests: unused, high, distinct per test process.
const uint32_t kRootUid = 0x20000000u + static_cast<uint32_t>(::getpid() % 4096) * 65536u;
const uint32_t kRootGid = kRootUid + 7;

plan::UsernsPlan userns() {
  plan::UsernsPlan plan;
  plan.root_uid_on_host = kRootUid;
  plan.root_gid_on_host = kRootGid;
  return plan;
}

plan::RootfsPlan rootfs_plan(const fs::path& storage, spec::RootfsKind kind, fs::path source = {},
                             std::string container = "web") {
  plan::RootfsPlan plan;
  plan.source.kind = kind;
  plan.source.path = source;
  plan.source.text =
      kind == spec::RootfsKind::builtin_busybox ? "builtin:busybox" : source.string();
  plan.layer_dir = storage / "containers" / "lab" / container;
  plan.image_cache_dir = storage / "images";
  return plan;
}

struct stat stat_of(const fs::path& path) {
  struct stat status {};
  REQUIRE_MESSAGE(::lstat(path.c_str(), &status) == 0, path);
  return status;
}

rootfs::PreparedRootfs prepare_ok(const plan::RootfsPlan& plan,
                                  const std::vector<plan::FileToWrite>& files = {}) {
  auto prepared = rootfs::prepare(plan, userns(), files);
  REQUIRE_MESSAGE(prepared.ok(), prepared.error().to_string());
  return std::move(*prepared);
}

// Names in `directory` starting with `prefix`.
int count_entries(const fs::path& directory, std::string_view prefix) {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(directory)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) ++count;
  }
  return count;
}

// A tar written entry by entry with libarchive, for archives `tar` refuses to make.
class TarWriter {
 public:
  explicit TarWriter(const fs::path& path) : archive_(archive_write_new()) {
    archive_write_set_format_pax_restricted(archive_);
    REQUIRE(archive_write_open_filename(archive_, path.c_str()) == ARCHIVE_OK);
  }
  ~TarWriter() {
    archive_write_close(archive_);
    archive_write_free(archive_);
  }
  void file(const std::string& name, std::string_view content) {
    add(name, AE_IFREG, 0644, content, nullptr, nullptr);
  }
  void directory(const std::string& name) { add(name, AE_IFDIR, 0755, "", nullptr, nullptr); }
  void symlink(const std::string& name, const std::string& target) {
    add(name, AE_IFLNK, 0777, "", target.c_str(), nullptr);
  }
  void device(const std::string& name, dev_t device) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, AE_IFCHR);
    archive_entry_set_perm(entry, 0666);
    archive_entry_set_rdev(entry, device);
    REQUIRE(archive_write_header(archive_, entry) == ARCHIVE_OK);
    archive_entry_free(entry);
  }
  void hardlink(const std::string& name, const std::string& target) {
    add(name, AE_IFREG, 0644, "", nullptr, target.c_str());
  }

 private:
  void add(const std::string& name, unsigned type, unsigned mode, std::string_view content,
           const char* symlink_target, const char* hardlink_target) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, type);
    archive_entry_set_perm(entry, mode);
    archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
    if (symlink_target) archive_entry_set_symlink(entry, symlink_target);
    if (hardlink_target) {
      archive_entry_set_hardlink(entry, hardlink_target);
      archive_entry_set_size(entry, 0);
    }
    REQUIRE(archive_write_header(archive_, entry) == ARCHIVE_OK);
    if (!content.empty()) {
      REQUIRE(archive_write_data(archive_, content.data(), content.size()) ==
              static_cast<la_ssize_t>(content.size()));
    }
    archive_entry_free(entry);
  }
  archive* archive_;
};

std::string tmp_prefix() {
  return "srcompose-storage-" + std::to_string(::getpid());
}

}  // namespace

TEST_CASE("builtin:busybox is built once, complete, and reused") {
  test::require_root();
  test::TempDir storage(tmp_prefix());
  auto plan = rootfs_plan(storage.path(), spec::RootfsKind::builtin_busybox);
  auto prepared = prepare_ok(plan);
  const auto& image = prepared.image;
  CHECK(image.parent_path() == storage.path() / "images");
  CHECK(image.filename().string().rfind("builtin-busybox-v2-", 0) == 0);
  CHECK(image.filename().string().size() == std::string("builtin-busybox-v2-").size() + 64);

  auto busybox = stat_of(image / "bin/busybox");
  CHECK(S_ISREG(busybox.st_mode));
  CHECK((busybox.st_mode & 07777) == 0755);
  CHECK(busybox.st_size == stat_of("/bin/busybox").st_size);
  CHECK(fs::read_symlink(image / "bin/sh") == "busybox");
  CHECK(fs::read_symlink(image / "usr/bin/awk") == "../../bin/busybox");
  CHECK(fs::read_symlink(image / "sbin/ifconfig") == "../bin/busybox");
  // Every applet is also in /bin, whatever --list-full says (lab files use "/bin/httpd").
  CHECK(fs::read_symlink(image / "bin/httpd") == "busybox");
  CHECK(fs::read_symlink(image / "bin/awk") == "busybox");
  CHECK((stat_of(image).st_mode & 07777) == 0755);
  CHECK((stat_of(image / "tmp").st_mode & 07777) == 01777);
  CHECK((stat_of(image / "var/tmp").st_mode & 07777) == 01777);
  CHECK((stat_of(image / "root").st_mode & 07777) == 0700);
  for (const char* directory : {"proc", "sys", "dev", "etc", "home", "run", "usr/sbin"}) {
    CAPTURE(directory);
    CHECK(S_ISDIR(stat_of(image / directory).st_mode));
  }
  CHECK(test::read_file(image / "etc/passwd").rfind("root:x:0:0:root:/root:/bin/sh\n", 0) == 0);
  CHECK(test::read_file(image / "etc/passwd").find("nobody:x:65534:65534:") != std::string::npos);
  CHECK(test::read_file(image / "etc/group").rfind("root:x:0:\n", 0) == 0);
  CHECK_FALSE(fs::exists(image / "etc/hostname"));
  CHECK(stat_of(image / "bin/busybox").st_uid == 0);
  CHECK(count_entries(storage.path() / "images", ".tmp-") == 0);
  CHECK(prepared.notes.empty());

  // The image works: its own /bin/sh (a symlink to busybox) runs under chroot.
  auto run = test::run_command({"chroot", image.string(), "/bin/sh", "-c", "echo hello from $0"});
  CHECK(run.exit_code == 0);
  CHECK(run.out == "hello from /bin/sh\n");

  auto inode = stat_of(image).st_ino;
  auto again = prepare_ok(plan);
  CHECK(again.image == image);
  CHECK(stat_of(again.image).st_ino == inode);
}

TEST_CASE("builtin:busybox is built where the storage is on another filesystem than /bin") {
  test::require_root();
  test::TempDir storage("srcompose-storage");
  // A tmpfs of its own: copy_file_range from /bin/busybox's filesystem answers EXDEV (Linux 5.19+),
  // as it did in the QEMU runs with /bin on 9p and the storage on ext4.
  REQUIRE(::mount("tmpfs", storage.path().c_str(), "tmpfs", 0, "mode=0755") == 0);
  struct Unmount {
    fs::path path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{storage.path()};
  auto prepared = prepare_ok(rootfs_plan(storage.path(), spec::RootfsKind::builtin_busybox));
  const auto busybox = stat_of(prepared.image / "bin/busybox");
  CHECK(busybox.st_size == stat_of("/bin/busybox").st_size);
  CHECK(test::read_file(prepared.image / "bin/busybox") == test::read_file("/bin/busybox"));
}

TEST_CASE("concurrent builders of the same image both succeed and leave one copy") {
  test::require_root();
  test::TempDir storage(tmp_prefix());
  auto first_plan = rootfs_plan(storage.path(), spec::RootfsKind::builtin_busybox, {}, "a");
  auto second_plan = rootfs_plan(storage.path(), spec::RootfsKind::builtin_busybox, {}, "b");
  Result<rootfs::PreparedRootfs> first = Error::message("not run");
  Result<rootfs::PreparedRootfs> second = Error::message("not run");
  std::thread other([&] { second = rootfs::prepare(second_plan, userns()); });
  first = rootfs::prepare(first_plan, userns());
  other.join();
  REQUIRE_MESSAGE(first.ok(), first.error().to_string());
  REQUIRE_MESSAGE(second.ok(), second.error().to_string());
  CHECK(first->image == second->image);
  CHECK(count_entries(storage.path() / "images", "builtin-busybox-") == 1);
  CHECK(count_entries(storage.path() / "images", ".tmp-") == 0);
}

TEST_CASE("a tarball is unpacked once into sha256-<digest> with owners, modes and links kept") {
  test::require_root();
  test::TempDir work(tmp_prefix());
  auto source = work.path() / "src";
  fs::create_directories(source / "etc");
  fs::create_directories(source / "data");
  test::write_file(source / "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
  test::write_file(source / "data/secret", "s3cret");
  REQUIRE(::chown((source / "data/secret").c_str(), 1234, 5678) == 0);
  REQUIRE(::chmod((source / "data/secret").c_str(), 04750) == 0);
  fs::create_symlink("/etc/passwd", source / "data/link");
  REQUIRE(::mknod((source / "data/null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
  fs::create_hard_link(source / "data/null", source / "data/null-link");

  for (const char* name : {"image.tar.gz", "image.tar.xz", "image.tar"}) {
    CAPTURE(name);
    auto tarball = work.path() / name;
    auto made = test::run_command(
        {"tar", "--numeric-owner", "-C", source.string(), "-caf", tarball.string(), "."});
    REQUIRE_MESSAGE(made.exit_code == 0, made.err);
    auto sha = test::run_command({"sha256sum", tarball.string()});
    REQUIRE(sha.exit_code == 0);
    std::string digest = sha.out.substr(0, 64);

    auto storage = work.path() / (std::string("storage-") + name);
    auto plan = rootfs_plan(storage, spec::RootfsKind::tarball, tarball);
    auto prepared = prepare_ok(plan);
    CHECK(prepared.image == storage / "images" / ("sha256-" + digest));
    auto secret = stat_of(prepared.image / "data/secret");
    CHECK(secret.st_uid == 1234);
    CHECK(secret.st_gid == 5678);
    CHECK((secret.st_mode & 07777) == 04750);
    CHECK(test::read_file(prepared.image / "data/secret") == "s3cret");
    CHECK(fs::read_symlink(prepared.image / "data/link") == "/etc/passwd");
    CHECK((stat_of(prepared.image).st_mode & 07777) == (stat_of(source).st_mode & 07777));
    // Device nodes are skipped, and said so.
    CHECK_FALSE(fs::exists(fs::symlink_status(prepared.image / "data/null")));
    CHECK_FALSE(fs::exists(fs::symlink_status(prepared.image / "data/null-link")));
    REQUIRE(prepared.notes.size() == 2);
    // GNU tar stores the second name as a device or as a hard link to the first: skipped either
    // way.
    CHECK(prepared.notes[0].find("skipped device node") != std::string::npos);
    CHECK(prepared.notes[1].rfind("skipped ", 0) == 0);
    CHECK((prepared.notes[0] + prepared.notes[1]).find("data/null") != std::string::npos);
    CHECK(count_entries(storage / "images", ".tmp-") == 0);

    auto inode = stat_of(prepared.image).st_ino;
    auto again = prepare_ok(plan);
    CHECK(stat_of(again.image).st_ino == inode);
    CHECK(again.notes.empty());
  }
}

TEST_CASE("device nodes in a tarball are skipped, hard links to them too") {
  test::require_root();
  test::TempDir work(tmp_prefix());
  auto tarball = work.path() / "devices.tar";
  {
    TarWriter tar(tarball);
    tar.directory("dev");
    tar.device("dev/sda", makedev(8, 0));
    tar.hardlink("dev/disk", "dev/sda");
    tar.file("dev/README", "no devices here");
  }
  auto prepared =
      prepare_ok(rootfs_plan(work.path() / "storage", spec::RootfsKind::tarball, tarball));
  CHECK(test::read_file(prepared.image / "dev/README") == "no devices here");
  CHECK(count_entries(prepared.image / "dev", "") == 1);
  REQUIRE(prepared.notes.size() == 2);
  CHECK(prepared.notes[0] == "skipped device node dev/sda");
  CHECK(prepared.notes[1] == "skipped hard link dev/disk to device node dev/sda");
}

TEST_CASE("hostile tarballs cannot write outside the cache and leave nothing behind") {
  test::require_root();
  test::TempDir work(tmp_prefix());
  auto outside = work.path() / "outside";
  fs::create_directories(outside);
  test::write_file(outside / "victim", "untouched");
  struct Case {
    const char* name;
    std::function<void(TarWriter&)> fill;
  };
  const std::string outside_text = outside.string();
  Case cases[] = {
      {"dotdot", [](TarWriter& tar) { tar.file("../../../outside/dotdot", "x"); }},
      {"dotdot-inside", [](TarWriter& tar) { tar.file("a/../../outside/dotdot2", "x"); }},
      {"absolute", [&](TarWriter& tar) { tar.file(outside_text + "/absolute", "x"); }},
      {"symlink-escape",
       [&](TarWriter& tar) {
         tar.symlink("escape", outside_text);
         tar.file("escape/through-symlink", "x");
       }},
      {"symlink-relative-escape",
       [](TarWriter& tar) {
         tar.symlink("up", "../../../../../../../../..");
         tar.file("up/tmp/through-relative-symlink", "x");
       }},
      {"hardlink-absolute", [&](TarWriter& tar) { tar.hardlink("hl", outside_text + "/victim"); }},
      {"hardlink-through-symlink",
       [&](TarWriter& tar) {
         tar.symlink("escape", outside_text);
         tar.hardlink("hl", "escape/victim");
       }},
      {"hardlink-dotdot", [](TarWriter& tar) { tar.hardlink("hl", "../../../outside/victim"); }},
  };
  for (const auto& test_case : cases) {
    CAPTURE(test_case.name);
    auto tarball = work.path() / (std::string(test_case.name) + ".tar");
    {
      TarWriter tar(tarball);
      tar.directory("etc");
      test_case.fill(tar);
    }
    auto storage = work.path() / (std::string("storage-") + test_case.name);
    auto prepared =
        rootfs::prepare(rootfs_plan(storage, spec::RootfsKind::tarball, tarball), userns());
    REQUIRE_FALSE(prepared.ok());
    CHECK(prepared.error().to_string().find("unpack tarball: entry ") != std::string::npos);
    CHECK(count_entries(storage / "images", "") == 0);  // no image, no temporary directory
  }
  // Nothing appeared outside, and the victim was not linked or changed.
  CHECK(count_entries(outside, "") == 1);
  CHECK(test::read_file(outside / "victim") == "untouched");
  CHECK(stat_of(outside / "victim").st_nlink == 1);
  CHECK_FALSE(fs::exists("/tmp/through-relative-symlink"));
}

TEST_CASE("the writable layer: owned by the container's root, fresh unless persist") {
  test::require_root();
  test::TempDir storage(tmp_prefix());
  auto plan = rootfs_plan(storage.path(), spec::RootfsKind::builtin_busybox);
  const std::vector<plan::FileToWrite> files = {{"/etc/hosts", "127.0.0.1 localhost\n", 0644},
                                                {"/etc/deep/er/file", "x", 0600},
                                                {"/hostname", "web\n", 0444}};
  auto prepared = prepare_ok(plan, files);
  CHECK(prepared.upper == plan.layer_dir / "upper");
  CHECK(prepared.work == plan.layer_dir / "work");
  for (const auto& [path, mode] :
       {std::pair{prepared.upper, 0755}, std::pair{prepared.work, 0700}}) {
    auto status = stat_of(path);
    CHECK(status.st_uid == kRootUid);
    CHECK(status.st_gid == kRootGid);
    CHECK((status.st_mode & 07777) == static_cast<mode_t>(mode));
  }
  CHECK((stat_of(plan.layer_dir).st_mode & 07777) == 0711);
  CHECK(test::read_file(prepared.upper / "etc/hosts") == "127.0.0.1 localhost\n");
  auto hosts = stat_of(prepared.upper / "etc/hosts");
  CHECK(hosts.st_uid == kRootUid);
  CHECK(hosts.st_gid == kRootGid);
  CHECK((hosts.st_mode & 07777) == 0644);
  CHECK((stat_of(prepared.upper / "etc/deep/er/file").st_mode & 07777) == 0600);
  CHECK(stat_of(prepared.upper / "etc/deep/er").st_uid == kRootUid);
  CHECK((stat_of(prepared.upper / "hostname").st_mode & 07777) == 0444);
  CHECK_FALSE(fs::exists(prepared.image / "etc/hosts"));  // the image is never written

  // Not persistent: what the container wrote is gone at the next prepare.
  test::write_file(prepared.upper / "left-over", "x");
  prepare_ok(plan);
  CHECK_FALSE(fs::exists(prepared.upper / "left-over"));
  CHECK_FALSE(fs::exists(plan.layer_dir / "persist"));

  // Persistent: kept, and marked so that `down` keeps it.
  plan.persist = true;
  prepare_ok(plan);
  test::write_file(prepared.upper / "kept", "x");
  prepare_ok(plan);
  CHECK(fs::exists(prepared.upper / "kept"));
  CHECK(fs::exists(plan.layer_dir / "persist"));
  // A file srcompose writes, which the container of a persistent layer replaced with a symlink
  // out of it: replaced again at the next prepare, never written through (a fresh layer creates
  // its files in place instead: nothing can be there).
  test::TempDir outside(tmp_prefix());
  test::write_file(outside.path() / "target", "keep");
  fs::create_directories(prepared.upper / "etc");
  fs::create_symlink(outside.path() / "target", prepared.upper / "etc/hosts");
  prepare_ok(plan, files);
  CHECK(test::read_file(outside.path() / "target") == "keep");
  CHECK(fs::is_regular_file(fs::symlink_status(prepared.upper / "etc/hosts")));
  CHECK(test::read_file(prepared.upper / "etc/hosts") == "127.0.0.1 localhost\n");
  REQUIRE(rootfs::remove_layer(plan).ok());
  CHECK(fs::exists(prepared.upper / "kept"));

  plan.persist = false;
  REQUIRE(rootfs::remove_layer(plan).ok());
  CHECK_FALSE(fs::exists(plan.layer_dir));
  CHECK_FALSE(fs::exists(plan.layer_dir.parent_path()));  // the last layer takes the project dir
  REQUIRE(rootfs::remove_layer(plan).ok());               // idempotent
}

TEST_CASE("on ext4 a lab's layers directory spreads its layers over the block groups") {
  test::require_root();
  test::TempDir storage(tmp_prefix());
  auto plan = rootfs_plan(storage.path(), spec::RootfsKind::builtin_busybox);
  prepare_ok(plan);
  UniqueFd project(
      ::open(plan.layer_dir.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(project);
  struct statfs filesystem {};
  REQUIRE(::fstatfs(project.get(), &filesystem) == 0);
  int flags = 0;
  const bool has_flags = ::ioctl(project.get(), FS_IOC_GETFLAGS, &flags) == 0;
  if (filesystem.f_type == EXT4_SUPER_MAGIC) {
    REQUIRE(has_flags);
    CHECK((flags & FS_TOPDIR_FL) != 0);
  } else {
    WARN_MESSAGE(false,
                 "the test's storage is not on ext2/3/4: only checked that the layer is "
                 "made where the flag does not exist");
  }
  REQUIRE(rootfs::remove_layer(plan).ok());
}

TEST_CASE("remove_project_layers keeps persistent layers on request, and is idempotent") {
  test::require_root();
  test::TempDir storage(tmp_prefix());
  auto keep = rootfs_plan(storage.path(), spec::RootfsKind::builtin_busybox, {}, "db");
  keep.persist = true;
  auto drop = rootfs_plan(storage.path(), spec::RootfsKind::builtin_busybox, {}, "web");
  prepare_ok(keep);
  prepare_ok(drop);
  REQUIRE(rootfs::remove_project_layers(storage.path(), "lab", true).ok());
  CHECK(fs::exists(keep.layer_dir / "upper"));
  CHECK_FALSE(fs::exists(drop.layer_dir));
  REQUIRE(rootfs::remove_project_layers(storage.path(), "lab", false).ok());
  CHECK_FALSE(fs::exists(storage.path() / "containers" / "lab"));
  REQUIRE(rootfs::remove_project_layers(storage.path(), "lab", false).ok());
  REQUIRE(rootfs::remove_project_layers(storage.path(), "lab", true).ok());
  CHECK_FALSE(rootfs::remove_project_layers(storage.path(), "../etc", false).ok());
  CHECK(fs::exists(storage.path() / "images"));  // images are not layers
}

TEST_CASE("a persistent layer's symlinks are never followed to the host") {
  test::require_root();
  test::TempDir storage(tmp_prefix());
  auto host = storage.path() / "host";
  fs::create_directories(host);
  test::write_file(host / "hosts", "host file");
  auto plan = rootfs_plan(storage.path(), spec::RootfsKind::builtin_busybox);
  plan.persist = true;
  auto prepared = prepare_ok(plan);

  SUBCASE("a symlinked file is replaced, its target untouched") {
    fs::create_directories(prepared.upper / "etc");
    fs::create_symlink(host / "hosts", prepared.upper / "etc/hosts");
    prepare_ok(plan, {{"/etc/hosts", "container hosts", 0644}});
    CHECK(test::read_file(host / "hosts") == "host file");
    CHECK(fs::is_regular_file(fs::symlink_status(prepared.upper / "etc/hosts")));
    CHECK(test::read_file(prepared.upper / "etc/hosts") == "container hosts");
  }
  SUBCASE("a symlinked directory is refused") {
    fs::create_directory_symlink(host, prepared.upper / "etc");
    auto result = rootfs::prepare(plan, userns(), {{"/etc/hosts", "container hosts", 0644}});
    CHECK_FALSE(result.ok());
    CHECK(test::read_file(host / "hosts") == "host file");
    CHECK(count_entries(host, "") == 1);
  }
  SUBCASE("removal deletes the symlink, not what it points to; deep trees are fine") {
    fs::create_directory_symlink(host, prepared.upper / "escape");
    fs::path deep = prepared.upper;
    for (int i = 0; i < 300; ++i)
      deep /= "d";
    fs::create_directories(deep);
    test::write_file(deep / "f", "x");
    plan.persist = false;
    REQUIRE(rootfs::remove_layer(plan).ok());
    CHECK_FALSE(fs::exists(plan.layer_dir));
    CHECK(test::read_file(host / "hosts") == "host file");
  }
}

TEST_CASE("resolve_user reads the container's files, never the host's through a symlink") {
  test::require_root();
  test::TempDir storage(tmp_prefix());
  auto image = storage.path() / "image";
  fs::create_directories(image / "etc");
  auto host_passwd = storage.path() / "host-passwd";
  test::write_file(host_passwd, "evil:x:777:777::/evil:/bin/sh\n");
  test::write_file(image / "etc/group", "wheel:x:10:student\n");
  auto plan = rootfs_plan(storage.path(), spec::RootfsKind::directory, image);

  SUBCASE("absolute symlink to a host file") {
    fs::create_symlink(host_passwd, image / "etc/passwd");
    auto prepared = prepare_ok(plan);
    auto user = rootfs::resolve_user(prepared, "evil");
    REQUIRE_FALSE(user.ok());
    CHECK(user.error().to_string().find("not found") != std::string::npos);
    auto numeric = rootfs::resolve_user(prepared, "0:0");
    REQUIRE(numeric.ok());
    CHECK(numeric->uid == 0);
  }
  SUBCASE("relative symlink climbing out") {
    fs::create_symlink("../../../../../../../.." + host_passwd.string(), image / "etc/passwd");
    auto prepared = prepare_ok(plan);
    CHECK_FALSE(rootfs::resolve_user(prepared, "evil").ok());
  }
  SUBCASE("a symlink inside the image is followed inside it") {
    test::write_file(image / "etc/passwd.real", "student:x:1000:1000::/home/student:/bin/sh\n");
    fs::create_symlink("/etc/passwd.real", image / "etc/passwd");
    auto prepared = prepare_ok(plan);
    auto user = rootfs::resolve_user(prepared, "student");
    REQUIRE_MESSAGE(user.ok(), user.error().to_string());
    CHECK(user->uid == 1000);
    CHECK(user->supplementary_groups == std::vector<gid_t>{10});
  }
  SUBCASE("the upper layer wins over the image") {
    test::write_file(image / "etc/passwd", "student:x:1000:1000::/home/student:/bin/sh\n");
    auto prepared =
        prepare_ok(plan, {{"/etc/passwd", "student:x:2000:2000::/srv:/bin/sh\n", 0644}});
    auto user = rootfs::resolve_user(prepared, "student");
    REQUIRE(user.ok());
    CHECK(user->uid == 2000);
    CHECK(user->home == "/srv");
  }
  SUBCASE("a FIFO as /etc/passwd is refused, not waited on") {
    REQUIRE(::mkfifo((image / "etc/passwd").c_str(), 0644) == 0);
    auto prepared = prepare_ok(plan);
    auto user = rootfs::resolve_user(prepared, "student");
    REQUIRE_FALSE(user.ok());
    CHECK(user.error().to_string().find("not a regular file") != std::string::npos);
  }
  SUBCASE("a directory image is used in place and never written") {
    auto prepared = prepare_ok(plan);
    CHECK(prepared.image == image);
    CHECK(count_entries(image, "") == 1);  // just etc/
  }
}
