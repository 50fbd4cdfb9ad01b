// SPDX-License-Identifier: GPL-2.0-or-later
#include "batch/host_program.hpp"

#include <fcntl.h>
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

}  // namespace srcompose::batch
