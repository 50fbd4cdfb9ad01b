// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/container_instance.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/namespace_setup.hpp"
#include "runtime/workload.hpp"
#include "supervisor/async_runtime.hpp"
#include "supervisor/blocking_pool.hpp"
#include "supervisor/container_parts.hpp"
#include "supervisor/output_pump.hpp"
#include "supervisor/restart_policy.hpp"
#include "supervisor/spawn.hpp"

namespace srcompose::supervisor {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

// A run this long resets the backoff: the container was healthy for a while, so a new failure
// starts the delays from the beginning again (docker's rule).
constexpr milliseconds kBackoffResetAfter{10'000};

// The cgroup's reading `now`, with the peaks of the earlier runs' (`earlier`) where they were
// higher: a restart's new cgroup starts its peaks from zero.
ResourceUsage with_earlier_peaks(const ResourceUsage& earlier, const cgroup::Stats& now) {
  ResourceUsage usage = now;
  usage.memory_peak = std::max(earlier.memory_peak, now.memory_peak);
  usage.pids_peak = std::max(earlier.pids_peak, now.pids_peak);
  return usage;
}

}  // namespace

ContainerInstance::ContainerInstance(LabContext& lab, const plan::ContainerPlan& plan)
    : lab_(lab),
      plan_(plan),
      stop_requested_(std::make_unique<AsyncEvent>(lab.io)),
      started_(std::make_unique<AsyncEvent>(lab.io)),
      healthy_(std::make_unique<AsyncEvent>(lab.io)),
      unhealthy_(std::make_unique<AsyncEvent>(lab.io)),
      finished_(std::make_unique<AsyncEvent>(lab.io)),
      output_(plan.lifecycle.logging) {
  status_.name = plan.name;
  if (plan.userns.enabled) {
    status_.uid_map = plan.userns.uid_map;
    status_.gid_map = plan.userns.gid_map;
  }
  for (const auto& interface : plan.net.interfaces) {
    status_.addresses.push_back(interface.network + "=" + spec::to_string(interface.address));
  }
}

ContainerInstance::~ContainerInstance() = default;

void ContainerInstance::rearm() {
  for (auto* event : {&stop_requested_, &started_, &healthy_, &unhealthy_, &finished_}) {
    retired_events_.push_back(std::move(*event));
    *event = std::make_unique<AsyncEvent>(lab_.io);
  }
  state_ = ContainerState::waiting;
  restart_delay_.reset();
}

KernelParts ContainerInstance::missing_parts() const {
  return KernelParts{rootfs_, user_, std::nullopt, !cgroup_};
}

Status ContainerInstance::adopt(KernelParts parts) {
  rootfs_ = std::move(parts.rootfs);
  user_ = std::move(parts.user);
  if (parts.cgroup) {
    cgroup_ = std::move(parts.cgroup);
    // Kept as text once: status() is asked for every container at each state write, and building
    // the paths each time was a fifth of the loop thread's CPU in `up` x200.
    status_.cgroup_procs_files.clear();
    for (const auto& file : cgroup_->procs_files())
      status_.cgroup_procs_files.push_back(file.string());
    if (auto watching = watch_oom_events(); !watching) return watching;
  }
  return {};
}

// The parts of a start that live on the loop: the shared seccomp filter and the port proxies.
Status ContainerInstance::prepare_loop_parts() {
  if (!seccomp_) {
    auto filter = lab_.seccomp.get(plan_.security);
    if (!filter) return std::move(filter).error().context("seccomp");
    seccomp_ = std::move(*filter);
  }
  if (proxies_.empty() && !plan_.net.ports.empty() && !plan_.net.interfaces.empty()) {
    for (const auto& port : plan_.net.ports) {
      auto proxy = PortProxy::open(lab_.io, port, plan_.net.interfaces.front().address);
      if (!proxy) return std::move(proxy).error().context("publish port " + port.text);
      proxies_.push_back(std::move(*proxy));
    }
  }
  return {};
}

// The layer and the cgroup on two threads at once (container_parts.hpp), each ~1 ms of kernel
// work on the start's path.
asio::awaitable<Status> ContainerInstance::make_kernel_parts_on_pool(
    std::shared_ptr<KernelParts> parts) {
  if (cgroup_needs_layer(plan_)) {
    Status layer =
        co_await lab_.blocking.async_run(layer_parts_job(plan_, parts), asio::use_awaitable);
    if (!layer) co_return layer;
    co_return co_await lab_.blocking.async_run(cgroup_part_job(plan_, lab_.cgroups, parts),
                                               asio::use_awaitable);
  }
  auto [layer_made, cgroup_made] = co_await (
      lab_.blocking.async_run(layer_parts_job(plan_, parts), asio::use_awaitable) &&
      lab_.blocking.async_run(cgroup_part_job(plan_, lab_.cgroups, parts), asio::use_awaitable));
  FirstError errors;
  errors.keep(std::move(layer_made));
  errors.keep(std::move(cgroup_made));
  co_return std::move(errors).status();
}

asio::awaitable<Status> ContainerInstance::prepare() {
  if (!rootfs_ || !user_ || !cgroup_) {
    auto parts = std::make_shared<KernelParts>(missing_parts());
    Status made = co_await make_kernel_parts_on_pool(parts);
    // What was made is the instance's to remove, also after a failure.
    Status adopted = adopt(std::move(*parts));
    if (!made) co_return made;
    if (!adopted) co_return adopted;
  }
  co_await lab_.seccomp_ready.wait();
  co_return prepare_loop_parts();
}

Status ContainerInstance::create() {
  KernelParts parts = missing_parts();
  Status made = make_kernel_parts(plan_, lab_.cgroups, parts);
  Status adopted = adopt(std::move(parts));
  for (Status* status : {&made, &adopted}) {
    if (!*status) return std::move(*status).error().context("container " + plan_.name);
  }
  if (auto status = prepare_loop_parts(); !status)
    return std::move(status).error().context("container " + plan_.name);
  state_ = ContainerState::created;
  return {};
}

runtime::CgroupEntryFds ContainerInstance::entry_fds(const cgroup::Entry& entry) {
  runtime::CgroupEntryFds fds;
  fds.clone_into = entry.clone_into.get();
  for (const auto& tasks : entry.tasks)
    fds.tasks.push_back(tasks.get());
  return fds;
}

runtime::StartHooks ContainerInstance::start_hooks(const cgroup::Entry& entry,
                                                   std::optional<net::ContainerLinks>& links) {
  runtime::StartHooks hooks;
  hooks.cgroup_entry = entry_fds(entry);
  hooks.after_clone = [this, &entry, &links](pid_t pid, int /*pidfd*/) -> Status {
    if (auto attached = cgroup::ContainerCgroup::attach_by_parent(pid, entry); !attached) {
      return attached.error().context("cgroup");
    }
    const bool networked = plan_.net.enabled && !plan_.net.interfaces.empty();
    if (auto status = net::set_up_container_namespaces(
            pid, plan_.process.sysctls, plan_.userns.root_uid_on_host,
            plan_.userns.root_gid_on_host,
            networked ? net::LoopbackUp::by_links : net::LoopbackUp::here);
        !status) {
      return status.error();
    }
    if (networked) {
      auto created = net::ContainerLinks::attach(plan_.net, lab_.project, plan_.name, pid);
      if (!created) return std::move(created).error().context("network");
      links = std::move(*created);
    }
    return {};
  };
  return hooks;
}

asio::awaitable<Status> ContainerInstance::start_run() {
  // The runtime's errors name the container already; these are named here.
  if (auto status = co_await prepare(); !status) {
    co_return std::move(status).error().context("container " + plan_.name);
  }
  // Its veth goes onto a bridge of the lab's, made meanwhile (LabSupervisor::create_network).
  if (plan_.net.enabled && !plan_.net.interfaces.empty()) {
    co_await lab_.network_ready.wait();
    if (!lab_.network_status) {
      co_return Error(lab_.network_status.error()).context("container " + plan_.name);
    }
  }
  // A stop asked while the parts were made: nothing runs yet, the start is given up.
  if (stop_requested_->is_set()) {
    co_return Error::message("stopped while starting").context("container " + plan_.name);
  }
  auto oom_kills = cgroup_->oom_kill_count();
  oom_kills_before_run_ = oom_kills ? *oom_kills : 0;
  // The last run's host ends carry the names this run takes: forgotten here, not deleted later by
  // their owner (which would find the new ones under those names). attach() replaces one that is
  // still there.
  if (links_) {
    links_->release();
    links_.reset();
  }

  // The init enters its cgroups by itself, without the kernel's global lock (cgroup::Entry); the
  // fds stay open until it is cloned.
  auto entry = cgroup_->open_entry();
  if (!entry) co_return std::move(entry).error().context("container " + plan_.name + ": cgroup");
  std::optional<net::ContainerLinks> links;
  const runtime::StartHooks hooks = start_hooks(*entry, links);
  // The child's part runs while the loop serves the other containers.
  auto deadline = steady_clock::now() + runtime::kSetupTimeout;
  auto started = co_await supervisor::start_container(
      lab_.io, lab_.blocking, plan_, *rootfs_, *user_, *seccomp_, hooks, lab_.launcher,
      lab_.launcher_thread, deadline, *stop_requested_);
  if (!started) co_return std::move(started).error();

  // The descriptor object closes what it holds, so it watches a duplicate of the pidfd that the
  // ChildProcess owner keeps for signalling and reaping. Duplicated before anything is committed to
  // members: on failure the local owners kill the init and delete its veths.
  UniqueFd watch_fd(::fcntl(started->init.pidfd(), F_DUPFD_CLOEXEC, 3));
  if (!watch_fd) co_return Error::last_errno("dup pidfd").context("container " + plan_.name);
  links_ = std::move(links);
  init_ = std::move(started->init);
  end_report_ = std::move(started->end_report_read);
  pidfd_watch_ = std::make_unique<asio::posix::stream_descriptor>(lab_.io, watch_fd.release());
  run_ended_ = std::make_unique<AsyncEvent>(lab_.io);

  output_.pump_run(lab_.io, lab_.logs, plan_.name, std::move(started->stdout_read),
                   std::move(started->stderr_read));

  clock_.begin_run(steady_clock::now());
  status_.started_at = utc_timestamp_now();
  status_.error.clear();
  if (plan_.lifecycle.healthcheck) {
    status_.health = "starting";
    asio::co_spawn(lab_.io, run_healthchecks(clock_.run_number()), log_escaped("run_healthchecks"));
  }
  auto budget = plan::time_budget(plan_.cgroup.limits);
  if (budget.cpu_time || budget.wall_time) {
    asio::co_spawn(lab_.io, enforce_time_budget(clock_.run_number()),
                   log_escaped("enforce_time_budget"));
  }
  co_return Status{};
}

// limits.cpu_time and limits.wall_time: a timer set to the earliest moment a budget can run out,
// re-armed from the cgroup's CPU usage when it fires (plan::check_time_budget), so a budget costs a
// handful of wake-ups and fires within a few milliseconds of the limit. Both budgets are the
// container's, summed over its runs: this run starts with what the previous ones left.
asio::awaitable<void> ContainerInstance::enforce_time_budget(uint64_t run_number) {
  const auto budget = plan::time_budget(plan_.cgroup.limits);
  const double cpus = plan_.cgroup.limits.cpus
                          ? *plan_.cgroup.limits.cpus
                          : static_cast<double>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
  asio::steady_timer timer(lab_.io);
  while (run_number == clock_.run_number() && init_ && !run_ended_->is_set()) {
    std::chrono::microseconds cpu_used{0};
    if (auto stats = cgroup_->stats(); stats) {
      cpu_used = std::chrono::microseconds(stats->cpu_user_usec + stats->cpu_system_usec);
    }
    auto check =
        plan::check_time_budget(budget, cpu_used, clock_.wall_used(steady_clock::now()), cpus);
    if (check.exceeded) {
      time_limit_hit_ = check.exceeded;
      lab_.logs.progress(plan_.name,
                         std::string(plan::to_string(*check.exceeded == plan::TimeLimit::cpu_time
                                                         ? plan::Verdict::cpu_time
                                                         : plan::Verdict::wall_time)) +
                             " limit reached: killing the container");
      (void)cgroup_->kill_all();
      (void)init_->signal(SIGKILL);
      co_return;
    }
    timer.expires_after(check.next_check);
    auto ended = run_ended_.get();
    co_await (timer.async_wait(asio::use_awaitable) || ended->wait());
  }
}

Status ContainerInstance::watch_oom_events() {
  auto watch = cgroup_->watch_oom();
  if (!watch) return std::move(watch).error().context("watch OOM events");
  oom_watch_ = std::move(*watch);
  int fd = ::fcntl(oom_watch_->fd(), F_DUPFD_CLOEXEC, 3);
  if (fd < 0) return Error::last_errno("dup OOM event fd");
  oom_events_ = std::make_unique<asio::posix::stream_descriptor>(lab_.io, fd);
  report_oom_events();
  return {};
}

// OOM kills reported as they happen, on the loop (also those of a process that is not the
// workload). Whether a run ended by OOM is decided separately, from the counter read after its
// exit. A handler, not a coroutine: it waits for the container's whole life, and a coroutine
// costs about 1 kB more per container (issue 16).
void ContainerInstance::report_oom_events() {
  oom_events_->async_wait(
      asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& error) {
        if (error || !oom_watch_ || !cgroup_) return;
        try {
          oom_watch_->drain();
          auto count = cgroup_->oom_kill_count();
          if (count && *count > oom_kills_reported_) {
            oom_kills_reported_ = *count;
            lab_.logs.progress(plan_.name,
                               "OOM kill in the container (" + std::to_string(*count) + " so far)");
            lab_.events.oom(plan_.name, *count);
          }
        } catch (...) {
          // A bug: logged as log_escaped does, and the watch ends.
          LogEscapedException{"report_oom_events"}(std::current_exception());
          return;
        }
        report_oom_events();
      });
}

// The pidfd's readiness is only a hint: epoll may report it when the init still runs (asio closes
// its own sockets without EPOLL_CTL_DEL, so a socket that a just-cloned child still holds stays in
// the epoll set and its event arrives under a registration that asio has since reused, such as this
// pidfd's). Blocking in waitid then would stall the whole loop: ask without blocking, wait again.
// If the wait itself fails (the descriptor is unusable), the loop asks every 100 ms instead of
// spinning.
asio::awaitable<Result<sys::ExitStatus>> ContainerInstance::reap_init() {
  for (;;) {
    boost::system::error_code error;
    co_await pidfd_watch_->async_wait(asio::posix::stream_descriptor::wait_read,
                                      asio::redirect_error(asio::use_awaitable, error));
    auto exited = init_->try_wait();
    if (!exited) co_return std::move(exited).error();
    if (*exited) co_return **exited;
    if (error) {
      asio::steady_timer pause(lab_.io, milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, error));
    }
  }
}

asio::awaitable<RunEnd> ContainerInstance::wait_for_run_end() {
  auto exit = co_await reap_init();
  RunEnd end;
  end.time = utc_timestamp_now();
  if (exit) {
    end.exit_code = exit->exit_code;
    end.signal = exit->signal;
  } else {
    end.exit_code = 255;
    lab_.logs.progress(plan_.name, "cannot reap init: " + exit.error().to_string());
  }
  // The init's own status reads 128+N for a workload killed by signal N, as `exit 128+N` would:
  // its report tells them apart (absent when the init itself was killed, e.g. by a stop).
  if (auto workload = end_report_ ? runtime::read_workload_end(end_report_.get()) : std::nullopt) {
    end.signal = workload->signal;
    end.core_dumped = workload->core_dumped != 0;
    end.exit_code = workload->signal != 0 ? 128 + workload->signal : workload->exit_code;
    end.usage = WorkloadUsage{workload->max_rss_kib, workload->user_usec, workload->system_usec,
                              workload->voluntary_switches, workload->involuntary_switches};
  }
  end_report_.reset();
  // The OOM verdict comes from the cgroup's counter read after the exit, not from the asynchronous
  // event: the event may arrive late, and a kill -9 from outside must not count as OOM.
  if (auto oom_kills = cgroup_->oom_kill_count(); oom_kills) {
    end.oom_killed = *oom_kills > oom_kills_before_run_;
  } else {
    lab_.logs.progress(plan_.name,
                       "warning: OOM verdict unknown: " + oom_kills.error().to_string());
  }
  // The init's death ends the pid namespace, but processes joined by `exec` from outside a pid
  // namespace race with it: the cgroup is the only complete list.
  if (auto killed = cgroup_->kill_all(); !killed) {
    lab_.logs.progress(plan_.name, "warning: " + killed.error().to_string());
  }
  // The host veth ends go with the container's network namespace, which the kernel destroys in
  // the background once nothing holds it: links_ keeps them until the next start (claim_host_end
  // replaces one still there) or the lab's teardown (LabSupervisor::remove_network deletes them
  // with the bridges; it took the namespace before the stop, see take_network_namespace).
  if (links_) links_->release_namespace();
  init_.reset();
  pidfd_watch_.reset();
  // Health describes a running container; the next run starts its checks afresh.
  status_.health.clear();
  clock_.end_run(steady_clock::now());
  end.verdict = plan::to_string(plan::decide_verdict(plan::RunFacts{
      end.exit_code, end.signal, end.oom_killed, time_limit_hit_, stop_requested_->is_set()}));
  status_.last_end = end;
  run_ended_->set();
  co_return end;
}

milliseconds ContainerInstance::next_restart_delay() {
  restart_delay_ = next_backoff(restart_delay_, clock_.last_run_length() >= kBackoffResetAfter,
                                plan_.lifecycle.restart.delay_max);
  return *restart_delay_;
}

asio::awaitable<void> ContainerInstance::sleep_unless_stopped(milliseconds delay) {
  asio::steady_timer timer(lab_.io);
  timer.expires_after(delay);
  co_await (timer.async_wait(asio::use_awaitable) || stop_requested_->wait());
}

asio::awaitable<void> ContainerInstance::supervise(ExitCallback on_exit) {
  while (!stop_requested_->is_set()) {
    state_ = ContainerState::starting;
    if (auto status = co_await start_run(); !status) {
      // A stop asked while it started is no failure: it was given up on purpose.
      if (stop_requested_->is_set()) break;
      state_ = ContainerState::failed;
      status_.error = status.error().to_string();
      lab_.events.failed(plan_.name, status_.error);
      break;
    }
    state_ = ContainerState::running;
    lab_.events.start(plan_.name, init_->pid(), clock_.run_number());
    if (clock_.run_number() == 1) {
      lab_.logs.progress(plan_.name, "started (pid " + std::to_string(init_->pid()) + ")");
    }
    started_->set();
    lab_.changed();
    RunEnd end = co_await wait_for_run_end();
    state_ = ContainerState::exited;
    lab_.events.exit(plan_.name, end);
    if (!stop_requested_->is_set()) {
      lab_.logs.progress(plan_.name, "exited: " + end.reason());
    }
    on_exit(*this, end);
    lab_.changed();
    if (stop_requested_->is_set() ||
        !should_restart(plan_.lifecycle.restart, status_.restart_count, end))
      break;
    record_restart(status_, end);
    state_ = ContainerState::restarting;
    auto delay = next_restart_delay();
    lab_.events.restart(plan_.name, status_.restart_count, delay, end);
    lab_.logs.progress(plan_.name, "restarting in " + std::to_string(delay.count()) +
                                       " ms (restart " + std::to_string(status_.restart_count) +
                                       ", after " + end.reason() + ")");
    co_await sleep_unless_stopped(delay);
  }
  if (state_ != ContainerState::failed) state_ = ContainerState::exited;
  finished_->set();
}

asio::awaitable<void> ContainerInstance::stop(std::optional<milliseconds> timeout) {
  stop_requested_->set();
  if (init_ && (state_ == ContainerState::running || state_ == ContainerState::paused ||
                state_ == ContainerState::starting)) {
    // A frozen process cannot act on its stop signal: thaw first.
    if (state_ == ContainerState::paused) (void)cgroup_->thaw();
    state_ = ContainerState::stopping;
    (void)init_->signal(plan_.lifecycle.stop_signal);
    asio::steady_timer timer(lab_.io);
    timer.expires_after(timeout ? *timeout : plan_.lifecycle.stop_timeout);
    auto ended = run_ended_.get();
    auto which = co_await (ended->wait() || timer.async_wait(asio::use_awaitable));
    if (which.index() == 1 && !ended->is_set()) kill_now();
  }
  if (!finished_->is_set() &&
      (state_ == ContainerState::waiting || state_ == ContainerState::created)) {
    // Never started (still waiting for its dependencies, or created only): nothing runs, it just
    // ends.
    state_ = ContainerState::exited;
    finished_->set();
  }
  co_await finished_->wait();
}

void ContainerInstance::kill_now() {
  stop_requested_->set();
  if (cgroup_) {
    (void)cgroup_->thaw();
    (void)cgroup_->kill_all();
  }
  if (init_) (void)init_->signal(SIGKILL);
}

Status ContainerInstance::send_signal(int signal_number) {
  if (!init_ || state_ != ContainerState::running) {
    return Error::message("container " + plan_.name + " is not running");
  }
  if (signal_number == SIGKILL) {
    // SIGKILL to an init only ends the init; the promise of `kill -s KILL` is the whole container.
    if (auto status = cgroup_->kill_all(); !status) return status;
  }
  return init_->signal(signal_number);
}

Status ContainerInstance::pause() {
  if (state_ != ContainerState::running)
    return Error::message("container " + plan_.name + " is not running");
  if (auto status = cgroup_->freeze(); !status) return status;
  state_ = ContainerState::paused;
  lab_.events.paused(plan_.name, true);
  return {};
}

Status ContainerInstance::unpause() {
  if (state_ != ContainerState::paused)
    return Error::message("container " + plan_.name + " is not paused");
  if (auto status = cgroup_->thaw(); !status) return status;
  state_ = ContainerState::running;
  lab_.events.paused(plan_.name, false);
  return {};
}

asio::awaitable<Status> ContainerInstance::remove_cgroup(
    std::shared_ptr<std::optional<cgroup::ContainerCgroup>> cgroup, AsyncEvent& gone) {
  // The owner moves into the job, which reads the usage one last time (for the report) and then
  // removes the cgroup there: the reading is a dozen small files, which on the loop delayed every
  // other container's teardown (and this one's layer removal) by up to a millisecond each.
  auto last_usage = std::make_shared<std::optional<cgroup::Stats>>();
  BlockingPool::Job job = [cgroup = std::move(cgroup), last_usage] {
    if (!*cgroup) return Status{};
    if (auto stats = (*cgroup)->stats(); stats) *last_usage = *stats;
    return (*cgroup)->remove();
  };
  Status removed = co_await lab_.blocking.async_run(std::move(job), asio::use_awaitable);
  if (*last_usage) keep_final_usage(**last_usage);
  gone.set();
  co_return removed;
}

void ContainerInstance::keep_final_usage(const cgroup::Stats& stats) {
  final_usage_ = with_earlier_peaks(final_usage_, stats);
}

asio::awaitable<Status> ContainerInstance::destroy(AsyncEvent& cgroup_gone) {
  for (auto& proxy : proxies_)
    proxy.close();
  proxies_.clear();
  if (oom_events_) {
    boost::system::error_code ignored;
    oom_events_->close(ignored);
  }
  FirstError errors;
  oom_watch_.reset();
  // The cgroup (rmdir retried while killed tasks leave) and the writable layer (a recursive
  // removal, each freed block discarded on a disk mounted `discard`) go on the blocking pool, on
  // two threads at once: neither needs the other gone.
  auto cgroup = std::make_shared<std::optional<cgroup::ContainerCgroup>>(std::move(cgroup_));
  cgroup_.reset();
  status_.cgroup_procs_files.clear();
  const plan::RootfsPlan* layer = rootfs_ ? &plan_.rootfs : nullptr;
  rootfs_.reset();
  BlockingPool::Job remove_layer = [layer] {
    return layer != nullptr ? rootfs::remove_layer(*layer) : Status{};
  };
  auto [cgroup_removed, layer_removed] =
      co_await (remove_cgroup(std::move(cgroup), cgroup_gone) &&
                lab_.blocking.async_run(std::move(remove_layer), asio::use_awaitable));
  errors.keep(std::move(cgroup_removed), "remove cgroup");
  errors.keep(std::move(layer_removed), "remove writable layer");
  co_return std::move(errors).status("container " + plan_.name);
}

std::vector<std::string> ContainerInstance::host_links() const {
  return links_ ? links_->host_ends() : std::vector<std::string>{};
}

UniqueFd ContainerInstance::take_network_namespace() {
  return links_ ? links_->take_namespace() : UniqueFd();
}

Status ContainerInstance::remove_links() {
  if (!links_) return {};
  Status removed = links_->remove();
  links_.reset();
  if (!removed) return std::move(removed).error().context("container " + plan_.name);
  return removed;
}

ContainerStatus ContainerInstance::status(bool read_usage) const {
  ContainerStatus status = status_;
  status.state = state_;
  status.log_bytes_dropped = output_.bytes_dropped();
  auto now = steady_clock::now();
  if (init_) {
    status.pid = init_->pid();
    status.uptime_ms = clock_.uptime(now).count();
  }
  if (auto since = clock_.since_first_start(now)) status.wall_time_ms = since->count();
  status.usage = final_usage_;
  if (cgroup_) {
    if (auto stats = read_usage ? cgroup_->stats() : Result<cgroup::Stats>(final_usage_); stats)
      status.usage = with_earlier_peaks(final_usage_, *stats);
  }
  if (rootfs_) {
    status.rootfs_image = rootfs_->image.string();
    status.rootfs_upper = rootfs_->upper.string();
  }
  return status;
}

}  // namespace srcompose::supervisor
