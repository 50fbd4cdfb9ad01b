// Health checks of a ContainerInstance: the lab file's `healthcheck` command run inside the
// container (its namespaces, cgroup, user, caps and seccomp) at an interval, with a timeout, a
// start period and retries, as docker compose does. `depends_on` condition "healthy" waits for
// healthy().
#include <fcntl.h>
#include <signal.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "supervisor/container_instance.hpp"

namespace srcompose::supervisor {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

void ContainerInstance::abandon(std::string reason) {
  state_ = ContainerState::failed;
  status_.error = std::move(reason);
  finished_->set();
}

asio::awaitable<bool> ContainerInstance::healthcheck_once() {
  if (!init_) co_return false;
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  runtime::ExecRequest request;
  request.argv = plan_.spec->healthcheck->command;
  request.stdin_fd = request.stdout_fd = request.stderr_fd = null.get();
  for (const auto& file : cgroup_->procs_files())
    request.cgroup_procs_files.push_back(file);
  auto process = runtime::exec_in_container(init_->pidfd(), plan_, *user_, *seccomp_, request);
  if (!process) co_return false;
  int watch_fd = ::fcntl(process->pidfd(), F_DUPFD_CLOEXEC, 3);
  if (watch_fd < 0) co_return false;
  asio::posix::stream_descriptor watch(lab_.io, watch_fd);
  asio::steady_timer timer(lab_.io);
  timer.expires_after(plan_.spec->healthcheck->timeout);
  auto which =
      co_await (watch.async_wait(asio::posix::stream_descriptor::wait_read, asio::use_awaitable) ||
                timer.async_wait(asio::use_awaitable));
  if (which.index() == 1) {
    (void)process->signal(SIGKILL);
    (void)process->wait();
    co_return false;
  }
  auto exit = process->wait();
  co_return exit && exit->exit_code == 0;
}

asio::awaitable<void> ContainerInstance::run_healthchecks(uint64_t run_number) {
  const auto& check = *plan_.spec->healthcheck;
  auto still_this_run = [&] {
    return run_number == run_number_ && init_ && !stop_requested_->is_set();
  };
  asio::steady_timer timer(lab_.io);
  uint32_t failures = 0;
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
    if (ok) {
      failures = 0;
      if (status_.health != "healthy") lab_.logs.progress(plan_.name, "healthy");
      status_.health = "healthy";
      healthy_->set();
      continue;
    }
    // Failures during the start period do not count, as in docker.
    if (std::chrono::steady_clock::now() - started < check.start_period) continue;
    if (++failures >= check.retries && status_.health != "unhealthy") {
      status_.health = "unhealthy";
      lab_.logs.progress(plan_.name,
                         "unhealthy after " + std::to_string(failures) + " failed checks");
    }
  }
}

}  // namespace srcompose::supervisor
