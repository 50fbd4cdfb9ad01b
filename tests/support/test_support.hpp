// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers shared by the test programs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace srcompose::test {

// Privileged tests call this first. Without root it fails the test loudly: CI runs as root, and a
// privileged test that silently skips there would hide a regression.
void require_root();

// A fresh directory under /tmp (or $SRCOMPOSE_TEST_TMP), removed with everything in it on
// destruction.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "srcompose-test");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;  // 128+signal when killed
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs argv[0] (looked up in PATH) with the given arguments, capturing stdout and stderr (through
// sys::run_host_command). A program not found exits 127, as in a shell; one still running after
// five minutes fails the test.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_text = "");

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, std::string_view content);

// Paths set by the build: the source tree, tests/, the srcompose binary and the static probe.
std::filesystem::path source_dir();
std::filesystem::path test_data_dir();
std::filesystem::path srcompose_binary();
std::filesystem::path probe_binary();

}  // namespace srcompose::test
