// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/async_runtime.hpp"

#include <fcntl.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "supervisor/async_process.hpp"
#include "supervisor/blocking_pool.hpp"
#include "supervisor/sync_channel.hpp"

namespace srcompose::supervisor {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

namespace {

std::chrono::milliseconds whole_ms(Clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration);
}

asio::awaitable<Result<runtime::StartedContainer>> follow_start(
    asio::io_context& io, runtime::LaunchedContainer& launched, Clock::time_point began,
    Clock::time_point deadline, AsyncEvent& cancel) {
  using Started = Result<runtime::StartedContainer>;
  auto end = co_await read_sync_channel(io, launched.sync.get(), deadline, &cancel,
                                        [&](const runtime::SyncMessage& message, UniqueFd) {
                                          return launched.progress.on_message(message);
                                        });
  if (!end) co_return Started(std::move(end).error());
  if (*end == ChannelEnd::cancelled) co_return Started(Error::message("stopped while starting"));
  if (*end == ChannelEnd::deadline) {
    co_return Started(runtime::setup_timeout_error(launched.progress, whole_ms(deadline - began)));
  }
  if (launched.progress.ready()) {
    co_return runtime::StartedContainer{std::move(launched.init), std::move(launched.stdout_read),
                                        std::move(launched.stderr_read),
                                        std::move(launched.end_report_read)};
  }
  // The end without `ready`: the init died before it could say why.
  auto exit = co_await wait_for_exit(io, launched.init, deadline);
  if (!exit) co_return Started(std::move(exit).error());
  if (!*exit) {
    co_return Started(runtime::setup_timeout_error(launched.progress, whole_ms(deadline - began)));
  }
  co_return Started(runtime::init_ended_error(**exit));
}

asio::awaitable<Result<sys::ChildProcess>> follow_exec(asio::io_context& io,
                                                       runtime::LaunchedExec& launched,
                                                       Clock::time_point deadline) {
  using Process = Result<sys::ChildProcess>;
  auto timed_out = [&] {
    return Error::from_errno(launched.progress.waiting_for() + ": timed out, killed", ETIMEDOUT);
  };
  auto end = co_await read_sync_channel(io, launched.sync.get(), deadline, nullptr,
                                        [&](const runtime::SyncMessage& message, UniqueFd fd) {
                                          launched.progress.on_message(message, std::move(fd));
                                          return Status{};
                                        });
  if (!end) co_return Process(std::move(end).error());
  if (*end == ChannelEnd::deadline) co_return Process(timed_out());
  auto helper_exit = co_await wait_for_exit(io, launched.helper, deadline);
  if (!helper_exit) co_return Process(std::move(helper_exit).error());
  if (!*helper_exit) co_return Process(timed_out());
  co_return launched.progress.finish(**helper_exit);
}

// A step that makes a T (the clone, the middle step of a start, an exec's helper) as a job for a
// pool: the loop takes `*made` once the job has completed. A std::function must be copyable, so
// the move-only result sits behind a shared pointer. `step` refers to the awaiting coroutine's
// frame, which outlives the job.
template <class T>
BlockingPool::Job job_making(std::shared_ptr<std::optional<T>> made,
                             std::function<Result<T>()> step) {
  return [made = std::move(made), step = std::move(step)]() -> Status {
    auto result = step();
    if (!result) return std::move(result).error();
    made->emplace(std::move(*result));
    return {};
  };
}

}  // namespace

asio::awaitable<Result<runtime::StartedContainer>> start_container(
    asio::io_context& io, BlockingPool& pool, const plan::ContainerPlan& plan,
    const rootfs::PreparedRootfs& rootfs, const rootfs::ResolvedUser& user,
    const security::CompiledSeccomp& seccomp, const runtime::StartHooks& hooks,
    runtime::Launcher& launcher, BlockingPool& launcher_thread, Clock::time_point deadline,
    AsyncEvent& cancel) {
  auto began = Clock::now();
  auto cloned = std::make_shared<std::optional<runtime::ClonedContainer>>();
  std::function<Result<runtime::ClonedContainer>()> clone = [&] {
    return runtime::clone_container(plan, user, seccomp, &launcher, hooks.cgroup_entry);
  };
  Status made =
      co_await launcher_thread.async_run(job_making(cloned, std::move(clone)), asio::use_awaitable);
  if (!made) co_return std::move(made).error();
  runtime::GoInputs inputs = (*cloned)->go_inputs();
  auto fds = std::make_shared<std::optional<std::vector<UniqueFd>>>();
  std::function<Result<std::vector<UniqueFd>>()> go = [&] {
    return runtime::prepare_go(plan, rootfs, std::move(inputs), hooks);
  };
  Status prepared = co_await pool.async_run(job_making(fds, std::move(go)), asio::use_awaitable);
  Result<runtime::StartedContainer> started = Error::message("not started");
  if (!prepared) {
    started = std::move(prepared).error();
  } else if (auto sent = runtime::send_go((*cloned)->launched.sync.get(), **fds); !sent) {
    started = std::move(sent).error().context("container " + plan.name);
  } else {
    fds->reset();  // the child holds them now; ours would only keep detached mounts alive
    started = co_await follow_start(io, (*cloned)->launched, began, deadline, cancel);
    if (!started) started = std::move(started).error().context("container " + plan.name);
  }
  // Whatever did not start is killed now and reaped whenever it dies: never waited for here.
  kill_and_reap_later(io, std::move((*cloned)->launched.init));
  co_return started;
}

asio::awaitable<Result<sys::ChildProcess>> exec_in_container(
    asio::io_context& io, int init_pidfd, const plan::ContainerPlan& plan,
    const rootfs::ResolvedUser& user, const security::CompiledSeccomp& seccomp,
    const runtime::ExecRequest& request, runtime::Launcher& launcher, BlockingPool& launcher_thread,
    Clock::time_point deadline) {
  auto launched = std::make_shared<std::optional<runtime::LaunchedExec>>();
  std::function<Result<runtime::LaunchedExec>()> launch = [&] {
    return runtime::launch_exec(init_pidfd, plan, user, seccomp, request, &launcher);
  };
  Status made = co_await launcher_thread.async_run(job_making(launched, std::move(launch)),
                                                   asio::use_awaitable);
  if (!made) co_return std::move(made).error();
  auto process = co_await follow_exec(io, **launched, deadline);
  kill_and_reap_later(io, std::move((*launched)->helper));
  kill_and_reap_later(io, (*launched)->progress.take_process());
  if (!process) co_return std::move(process).error().context("exec in container " + plan.name);
  co_return process;
}

}  // namespace srcompose::supervisor
