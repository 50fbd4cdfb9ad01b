// SPDX-License-Identifier: GPL-2.0-or-later
#include "batch/host_program.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cstring>

#include "common/unique_fd.hpp"

extern char** environ;

namespace srcompose::batch {
namespace {

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> result;
  result.reserve(strings.size() + 1);
  for (const auto& text : strings)
    result.push_back(const_cast<char*>(text.c_str()));
  result.push_back(nullptr);
  return result;
}

// posix_spawn's attributes and file actions, destroyed on every path.
class SpawnSetup {
 public:
  SpawnSetup() {
    ::posix_spawnattr_init(&attributes_);
    ::posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnSetup() {
    ::posix_spawnattr_destroy(&attributes_);
    ::posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // Every signal back to its default and none blocked: Asio's signal_set handlers reset on exec by
  // themselves, but ignored signals (SIGPIPE, see main.cpp) and the mask would be inherited.
  void default_signals(bool own_process_group) {
    sigset_t all;
    sigset_t none;
    ::sigfillset(&all);
    ::sigemptyset(&none);
    ::posix_spawnattr_setsigdefault(&attributes_, &all);
    ::posix_spawnattr_setsigmask(&attributes_, &none);
    short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
    if (own_process_group) {
      flags |= POSIX_SPAWN_SETPGROUP;
      ::posix_spawnattr_setpgroup(&attributes_, 0);
    }
    ::posix_spawnattr_setflags(&attributes_, flags);
  }
  posix_spawnattr_t attributes_;
  posix_spawn_file_actions_t actions_;
};

Result<sys::ChildProcess> start(const std::vector<std::string>& argv,
                                const std::vector<std::string>& environment, SpawnSetup& setup) {
  if (argv.empty()) return Error::message("spawn: no program");
  auto arguments = pointers(argv);
  auto variables = pointers(environment);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, argv[0].c_str(), &setup.actions_, &setup.attributes_,
                          arguments.data(), variables.data());
  if (rc != 0) return Error::from_errno("posix_spawn " + argv[0], rc);
  auto pidfd = sys::open_pidfd(pid);
  if (!pidfd) {
    ::kill(pid, SIGKILL);
    return std::move(pidfd).error();
  }
  return sys::ChildProcess(pid, std::move(*pidfd));
}

}  // namespace

std::vector<std::string> environment_with(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    std::string_view key = text.substr(0, text.find('='));
    bool replaced = false;
    for (const auto& [name, value] : overrides)
      replaced = replaced || name == key;
    if (!replaced) result.emplace_back(text);
  }
  for (const auto& [name, value] : overrides)
    result.push_back(name + "=" + value);
  return result;
}

Result<sys::ChildProcess> spawn_program(const SpawnRequest& request) {
  SpawnSetup setup;
  setup.default_signals(request.own_process_group);
  ::posix_spawn_file_actions_addopen(&setup.actions_, 0, "/dev/null", O_RDONLY, 0);
  UniqueFd output;
  if (!request.output.empty()) {
    output.reset(::open(request.output.c_str(),
                        O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!output) return Error::last_errno("open " + request.output.string());
    // dup2 clears O_CLOEXEC on the copies.
    ::posix_spawn_file_actions_adddup2(&setup.actions_, output.get(), 1);
    ::posix_spawn_file_actions_adddup2(&setup.actions_, output.get(), 2);
  }
  return start(request.argv, request.environment, setup);
}

Result<Captured> run_captured(const std::vector<std::string>& argv, std::string_view input) {
  int pipes[3][2];
  for (auto& pipe : pipes) {
    if (::pipe2(pipe, O_CLOEXEC) < 0) return Error::last_errno("pipe2");
  }
  UniqueFd in_read(pipes[0][0]), in_write(pipes[0][1]);
  UniqueFd out_read(pipes[1][0]), out_write(pipes[1][1]);
  UniqueFd err_read(pipes[2][0]), err_write(pipes[2][1]);
  SpawnSetup setup;
  setup.default_signals(/*own_process_group=*/false);
  ::posix_spawn_file_actions_adddup2(&setup.actions_, in_read.get(), 0);
  ::posix_spawn_file_actions_adddup2(&setup.actions_, out_write.get(), 1);
  ::posix_spawn_file_actions_adddup2(&setup.actions_, err_write.get(), 2);
  auto process = start(argv, environment_with({}), setup);
  if (!process) return std::move(process).error();
  in_read.reset();
  out_write.reset();
  err_write.reset();
  // The input is small (a job script): written whole before reading; EPIPE when the program does
  // not read it is fine (SIGPIPE is ignored, main.cpp).
  for (size_t written = 0; written < input.size();) {
    ssize_t n = ::write(in_write.get(), input.data() + written, input.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  in_write.reset();
  Captured captured;
  pollfd fds[2] = {{out_read.get(), POLLIN, 0}, {err_read.get(), POLLIN, 0}};
  std::string* sinks[2] = {&captured.output, &captured.errors};
  int open_count = 2;
  while (open_count > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return Error::last_errno("poll " + argv[0]);
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  auto status = process->wait();
  if (!status) return std::move(status).error();
  captured.status = *status;
  return captured;
}

}  // namespace srcompose::batch
