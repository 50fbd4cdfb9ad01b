// SPDX-License-Identifier: GPL-2.0-or-later
// A test image: a directory with /bin/busybox (from busybox-static), its applet links, the static
// probe as /bin/probe, /etc/passwd and /etc/group. Nothing is downloaded.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace srcompose::test {

// Fills `image_dir` (created if missing). Fails the test (REQUIRE) when busybox or the probe is
// missing.
void build_busybox_image(const std::filesystem::path& image_dir);

// A busybox + probe image in a fresh temporary directory, removed with everything in it.
class BusyboxImage {
 public:
  BusyboxImage();
  const std::filesystem::path& path() const { return image_; }
  // The temporary directory holding the image; tests put their storage dirs and sources beside it.
  const std::filesystem::path& base() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::filesystem::path image_;
};

}  // namespace srcompose::test
