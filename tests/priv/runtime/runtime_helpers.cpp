// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime_helpers.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>

#include "plan/namespaces.hpp"
#include "plan/rootfs.hpp"
#include "plan/security.hpp"
#include "security/capability_names.hpp"
#include "security/seccomp_profile.hpp"

namespace srcompose::test {

Result<runtime::StartedContainer> TestContainer::start(const runtime::StartHooks& hooks,
                                                       runtime::Launcher* launcher) const {
  return runtime::start_container(plan, rootfs, user, seccomp, hooks, launcher);
}

uint32_t unique_id_base() {
  static uint32_t counter = 0;
  const uint32_t slot = (static_cast<uint32_t>(::getpid()) % 500U) * 8U + (counter++ % 8U);
  return plan::kAutoIdBase + slot * 65536U;
}

std::unique_ptr<TestContainer> make_container(const BusyboxImage& image, ContainerOptions options) {
  auto container = std::make_unique<TestContainer>();
  spec::Lab& lab = container->lab;
  lab.name = "rt" + std::to_string(::getpid());
  lab.storage_dir = image.base() / "storage";
  spec::Container box;
  box.name = options.name;
  box.rootfs.kind = spec::RootfsKind::directory;
  box.rootfs.path = image.path();
  box.rootfs.text = image.path().string();
  box.hostname = options.name;
  box.domainname = "lab.test";
  box.user = options.user;
  box.workdir = options.workdir;
  box.read_only = options.read_only;
  box.mounts = options.mounts;
  box.time_offsets = options.time_offsets;
  box.idmap.mode = options.id_base ? spec::IdMapMode::explicit_ranges : spec::IdMapMode::host;
  if (options.id_base) {
    box.idmap.uid = {{0, options.id_base, 65536}};
    box.idmap.gid = {{0, options.id_base, 65536}};
  }
  lab.containers.push_back(box);
  const spec::Container& spec = lab.containers.back();

  plan::ContainerPlan& plan = container->plan;
  plan.project = lab.name;
  plan.name = spec.name;
  plan.namespaces = plan::plan_namespaces(spec);
  plan.userns.enabled = options.id_base != 0;
  plan.userns.uid_map = spec.idmap.uid;
  plan.userns.gid_map = spec.idmap.gid;
  plan.userns.root_uid_on_host = options.id_base;
  plan.userns.root_gid_on_host = options.id_base;
  plan.rootfs = plan::plan_rootfs(lab, spec);
  plan.process.argv = options.argv;
  plan.process.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", "HOSTNAME=" + options.name,
                      "TERM=xterm"};
  plan.process.user = options.user;
  plan.process.workdir = options.workdir;
  plan.process.hostname = spec.hostname;
  plan.process.domainname = spec.domainname;
  plan.process.time_offsets = options.time_offsets;
  plan.security.capabilities = security::default_capabilities() | options.capabilities;
  plan.security.no_new_privs = true;
  plan.security.seccomp = spec::SeccompMode::default_profile;
  plan.security.seccomp_rules = security::default_seccomp_profile(plan.security.capabilities);

  auto prepared = rootfs::prepare(plan.rootfs, plan.userns);
  REQUIRE_MESSAGE(prepared.ok(), (prepared.ok() ? "" : prepared.error().to_string()));
  container->rootfs = std::move(*prepared);
  auto user = rootfs::resolve_user(container->rootfs, options.user);
  REQUIRE_MESSAGE(user.ok(), (user.ok() ? "" : user.error().to_string()));
  container->user = std::move(*user);
  auto seccomp = security::compile_seccomp(plan.security);
  REQUIRE_MESSAGE(seccomp.ok(), (seccomp.ok() ? "" : seccomp.error().to_string()));
  container->seccomp = std::move(*seccomp);
  return container;
}

std::string Outcome::value(const std::string& key) const {
  auto it = values.find(key);
  return it == values.end() ? "<missing " + key + ">" : it->second;
}

std::map<std::string, std::string> parse_values(const std::string& text) {
  std::map<std::string, std::string> values;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    auto equals = line.find('=');
    if (equals != std::string::npos) values[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return values;
}

Outcome finish(runtime::StartedContainer& started) {
  Outcome outcome;
  std::array<pollfd, 2> fds{
      {{started.stdout_read.get(), POLLIN, 0}, {started.stderr_read.get(), POLLIN, 0}}};
  std::array<std::string*, 2> sinks{&outcome.out, &outcome.err};
  int open_count = 2;
  while (open_count > 0) {
    int ready = ::poll(fds.data(), fds.size(), 20'000);
    REQUIRE_MESSAGE(ready > 0, "the container's output did not close within 20 s");
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      std::array<char, 4096> buffer{};
      ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (n > 0) {
        sinks[i]->append(buffer.data(), static_cast<size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  auto status = started.init.wait();
  REQUIRE(status.ok());
  outcome.exit_code = status->exit_code;
  outcome.values = parse_values(outcome.out);
  return outcome;
}

Outcome run_container(const TestContainer& container) {
  auto started = container.start();
  REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().to_string()));
  Outcome outcome = finish(*started);
  INFO("stdout: " << outcome.out << "\nstderr: " << outcome.err);
  return outcome;
}

std::string read_until(int fd, const std::string& needle) {
  std::string text;
  while (text.find(needle) == std::string::npos) {
    pollfd wait{fd, POLLIN, 0};
    REQUIRE_MESSAGE(::poll(&wait, 1, 20'000) > 0, "no \"" << needle << "\" within 20 s: " << text);
    std::array<char, 4096> buffer{};
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n == 0) break;
    if (n > 0) text.append(buffer.data(), static_cast<size_t>(n));
  }
  return text;
}

Outcome exec_and_wait(const TestContainer& container, const runtime::StartedContainer& started,
                      std::vector<std::string> argv, runtime::Launcher* launcher) {
  std::array<int, 2> out{};
  REQUIRE(::pipe2(out.data(), O_CLOEXEC) == 0);
  UniqueFd out_read(out[0]), out_write(out[1]);
  runtime::ExecRequest request;
  request.argv = std::move(argv);
  request.stdout_fd = out_write.get();
  auto process = runtime::exec_in_container(started.init.pidfd(), container.plan, container.user,
                                            container.seccomp, request, launcher);
  REQUIRE_MESSAGE(process.ok(), (process.ok() ? "" : process.error().to_string()));
  out_write.reset();
  Outcome outcome;
  outcome.out = read_until(out_read.get(), "\n__never__");
  auto status = process->wait();
  REQUIRE(status.ok());
  outcome.exit_code = status->exit_code;
  outcome.values = parse_values(outcome.out);
  return outcome;
}

std::string exec_error(const TestContainer& container, const runtime::StartedContainer& started,
                       std::vector<std::string> argv, runtime::Launcher* launcher) {
  runtime::ExecRequest request;
  request.argv = std::move(argv);
  auto failed = runtime::exec_in_container(started.init.pidfd(), container.plan, container.user,
                                           container.seccomp, request, launcher);
  REQUIRE_FALSE(failed.ok());
  return failed.error().to_string();
}

std::vector<std::string> host_mounts_with(const std::string& needle) {
  std::vector<std::string> lines;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(needle) != std::string::npos) lines.push_back(line);
  }
  return lines;
}

bool no_children() {
  siginfo_t info{};
  return ::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD;
}

uid_t host_uid_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Uid:", 0) == 0) return static_cast<uid_t>(std::stoul(line.substr(4)));
  }
  FAIL("no Uid line for pid " << pid);
  return 0;
}

}  // namespace srcompose::test
