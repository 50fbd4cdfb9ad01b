// SPDX-License-Identifier: GPL-2.0-or-later
#include "rootfs_fixture.hpp"

#include <doctest/doctest.h>

namespace srcompose::test {

namespace fs = std::filesystem;

void build_busybox_image(const fs::path& image_dir) {
  const fs::path busybox = "/bin/busybox";
  REQUIRE_MESSAGE(fs::exists(busybox), "the test rootfs needs busybox-static (/bin/busybox)");
  REQUIRE_MESSAGE(fs::exists(probe_binary()), "the probe is not built: " << probe_binary());
  for (const char* dir : {"bin", "etc", "proc", "sys", "dev", "tmp", "root", "home/student"}) {
    fs::create_directories(image_dir / dir);
  }
  fs::permissions(image_dir / "tmp", fs::perms::all | fs::perms::sticky_bit);
  fs::copy_file(busybox, image_dir / "bin/busybox", fs::copy_options::overwrite_existing);
  fs::copy_file(probe_binary(), image_dir / "bin/probe", fs::copy_options::overwrite_existing);
  for (const char* applet : {"sh", "ls", "cat", "echo", "sleep", "id", "touch", "mkdir", "ps",
                             "hostname", "true", "false", "stat", "kill", "env"}) {
    std::error_code ignored;
    fs::remove(image_dir / "bin" / applet, ignored);
    fs::create_symlink("busybox", image_dir / "bin" / applet);
  }
  write_file(image_dir / "etc/passwd",
             "root:x:0:0:root:/root:/bin/sh\n"
             "student:x:1000:1000:student:/home/student:/bin/sh\n"
             "nobody:x:65534:65534:nobody:/:/bin/false\n");
  write_file(image_dir / "etc/group", "root:x:0:\ntty:x:5:\nstudent:x:1000:\nlab:x:2000:student\n");
}

BusyboxImage::BusyboxImage() : dir_("srcompose-image"), image_(dir_.path() / "image") {
  build_busybox_image(image_);
}

}  // namespace srcompose::test
