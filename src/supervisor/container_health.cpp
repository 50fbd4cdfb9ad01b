// SPDX-License-Identifier: GPL-2.0-or-later
// Health checks of a ContainerInstance: the lab file's `healthcheck` command run inside the
// container (its namespaces, cgroup, user, caps and seccomp) at an interval, with a timeout, a
// start period and retries, as docker compose does. `depends_on` condition "healthy" waits for
// healthy().
#include <fcntl.h>
#include <signal.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "supervisor/async_process.hpp"
#include "supervisor/async_runtime.hpp"
#include "supervisor/container_instance.hpp"
#include "supervisor/restart_policy.hpp"

namespace srcompose::supervisor {

namespace asio = boost::asio;

void ContainerInstance::abandon(std::string reason) {
  state_ = ContainerState::failed;
  status_.error = Error::message(std::move(reason)).context("container " + plan_.name).to_string();
  lab_.events.failed(plan_.name, status_.error);
  finished_->set();
}

asio::awaitable<bool> ContainerInstance::healthcheck_once() {
  if (!init_) co_return false;
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  runtime::ExecRequest request;
  request.argv = plan_.lifecycle.healthcheck->command;
  request.stdin_fd = request.stdout_fd = request.stderr_fd = null.get();
  // Into the container's cgroups without the kernel's global lock (cgroup::Entry): a check every
  // second would otherwise hold cgroup_mutex through a grace period each time, stalling the other
  // containers' starts.
  auto entry = cgroup_->open_entry();
  if (!entry) co_return false;
  request.cgroup_entry = entry_fds(*entry);
  for (const auto& file : entry->by_parent)
    request.cgroup_procs_files.emplace_back(file);
  // The timeout covers joining the container too: a container that stops the new process before
  // its execve fails the check like one that never answers, and delays nothing else.
  auto deadline = std::chrono::steady_clock::now() + plan_.lifecycle.healthcheck->timeout;
  auto process = co_await supervisor::exec_in_container(lab_.io, init_->pidfd(), plan_, *user_,
                                                        *seccomp_, request, lab_.launcher,
                                                        lab_.launcher_thread, deadline);
  if (!process) co_return false;
  auto exit = co_await wait_for_exit(lab_.io, *process, deadline);
  if (exit && *exit) co_return (*exit)->exit_code == 0;
  // Timed out (or waitid failed): the check failed. The process is killed and reaped on the loop
  // when it dies, never waited for here; an unreaped one would stay a zombie, and the container's
  // pid namespace could then never end.
  kill_and_reap_later(lab_.io, std::move(*process));
  co_return false;
}

asio::awaitable<void> ContainerInstance::run_healthchecks(uint64_t run_number) {
  const auto& check = *plan_.lifecycle.healthcheck;
  auto still_this_run = [&] {
    return run_number == clock_.run_number() && init_ && !stop_requested_->is_set();
  };
  asio::steady_timer timer(lab_.io);
  HealthRecord health{0, status_.health};
  auto started = std::chrono::steady_clock::now();
  // The first check runs at once, so `depends_on: healthy` is not delayed by a whole interval.
  for (bool first = true; still_this_run(); first = false) {
    if (!first) {
      timer.expires_after(check.interval);
      boost::system::error_code ignored;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      if (!still_this_run()) break;
    }
    bool ok = co_await healthcheck_once();
    if (!still_this_run()) break;
    const bool in_start_period = std::chrono::steady_clock::now() - started < check.start_period;
    switch (record_health_check(health, ok, in_start_period, check.retries)) {
      case HealthChange::became_healthy:
        lab_.logs.progress(plan_.name, "healthy");
        lab_.events.health(plan_.name, "healthy", 0);
        break;
      case HealthChange::became_unhealthy:
        lab_.logs.progress(plan_.name,
                           "unhealthy after " + std::to_string(health.failures) + " failed checks");
        lab_.events.health(plan_.name, "unhealthy", health.failures);
        unhealthy_->set();
        break;
      case HealthChange::none:
        break;
    }
    status_.health = health.health;
    if (ok) healthy_->set();
  }
}

}  // namespace srcompose::supervisor
