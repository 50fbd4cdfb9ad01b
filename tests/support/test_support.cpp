#include "test_support.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "common/unique_fd.hpp"

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

namespace {}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_text) {
  std::array<int, 2> in{}, out{}, err{};
  REQUIRE(::pipe2(in.data(), O_CLOEXEC) == 0);
  REQUIRE(::pipe2(out.data(), O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err.data(), O_CLOEXEC) == 0);
  std::vector<char*> args;
  for (const auto& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  UniqueFd in_write(in[1]), out_read(out[0]), err_read(err[0]);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  // Small inputs only: written before reading, so the child never blocks us.
  if (!stdin_text.empty()) {
    [[maybe_unused]] auto n = ::write(in_write.get(), stdin_text.data(), stdin_text.size());
  }
  in_write.reset();
  CommandResult result;
  // Read both pipes concurrently so that neither fills up.
  std::array<pollfd, 2> fds{{{out_read.get(), POLLIN, 0}, {err_read.get(), POLLIN, 0}}};
  std::array<std::string*, 2> sinks{&result.out, &result.err};
  int open_count = 2;
  while (open_count > 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      std::array<char, 4096> buffer{};
      ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (n > 0) {
        sinks[i]->append(buffer.data(), static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
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
