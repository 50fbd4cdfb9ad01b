// SPDX-License-Identifier: GPL-2.0-or-later
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "sys/host_command.hpp"

namespace srcompose::test {

void require_root() {
  if (geteuid() != 0) {
    FAIL("this privileged test needs root: run the suite as root (CI does); it is never skipped");
  }
}

TempDir::TempDir(std::string_view prefix) {
  const char* base = std::getenv("SRCOMPOSE_TEST_TMP");
  std::filesystem::path root = base ? base : "/tmp";
  std::random_device random;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto candidate = root / (std::string(prefix) + "-" + std::to_string(random()));
    std::error_code error;
    if (std::filesystem::create_directory(candidate, error)) {
      path_ = candidate;
      return;
    }
  }
  FAIL("could not create a temporary directory under " << root);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_text) {
  sys::HostCommand command;
  command.argv = argv;
  command.input = stdin_text;
  command.deadline = std::chrono::minutes(5);  // tests run tar, nft, ip: far less than this
  auto ran = sys::run_host_command(command);
  if (!ran && ran.error().error_number() == ENOENT) return {127, "", ran.error().to_string()};
  REQUIRE_MESSAGE(ran.ok(), (ran ? "" : ran.error().to_string()));
  return {ran->status.exit_code, std::move(ran->out), std::move(ran->err)};
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  REQUIRE(out.good());
}

std::filesystem::path source_dir() {
  return SRCOMPOSE_SOURCE_DIR;
}
std::filesystem::path test_data_dir() {
  return SRCOMPOSE_TEST_DATA;
}
std::filesystem::path srcompose_binary() {
  return SRCOMPOSE_BINARY;
}
std::filesystem::path probe_binary() {
  return SRCOMPOSE_PROBE;
}

}  // namespace srcompose::test
