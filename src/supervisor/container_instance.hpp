// SPDX-License-Identifier: GPL-2.0-or-later
// ContainerInstance: one container of the lab on the supervisor's event loop. It owns every kernel
// resource of the container (writable layer, cgroup, host veth ends, the init process, published
// ports) and runs its life as coroutines: start, watch the pidfd, attribute OOM kills, restart with
// backoff as the policy says, stop with stop_signal then SIGKILL to the whole cgroup, health
// checks. A failure here stops this container only; the lab decides what it means for the others.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cgroup/cgroup.hpp"
#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "net/network.hpp"
#include "plan/lab_plan.hpp"
#include "plan/verdict.hpp"
#include "rootfs/prepare.hpp"
#include "runtime/container.hpp"
#include "runtime/launcher.hpp"
#include "security/seccomp.hpp"
#include "supervisor/async_event.hpp"
#include "supervisor/container_parts.hpp"
#include "supervisor/event_log.hpp"
#include "supervisor/log_sink.hpp"
#include "supervisor/output_pump.hpp"
#include "supervisor/port_proxy.hpp"
#include "supervisor/run_clock.hpp"
#include "supervisor/seccomp_cache.hpp"
#include "supervisor/status.hpp"

namespace srcompose::supervisor {

class BlockingPool;  // blocking_pool.hpp

// Services shared by all containers of a lab; owned by the LabSupervisor.
struct LabContext {
  boost::asio::io_context& io;
  BlockingPool& blocking;  // the teardown's removals (blocking_pool.hpp)
  SeccompCache& seccomp;
  const cgroup::HostLayout& cgroups;
  LogSink& logs;
  EventLog& events;  // `srcompose events`: every start, exit, OOM kill, restart, health change
  runtime::Launcher& launcher;    // clones the containers and exec helpers (launcher.hpp)
  BlockingPool& launcher_thread;  // the one thread that talks to it (async_runtime.hpp)
  // Set once the lab's bridges exist, or failed to be made (network_status): a container with a
  // network is cloned after it, its veth going onto a bridge.
  AsyncEvent& network_ready;
  const Status& network_status;
  // Set once the filters compiled ahead at the lab's start are in `seccomp` (set at once when none
  // are): a start takes its filter after it.
  AsyncEvent& seccomp_ready;
  std::string project;
  std::function<void()> changed;  // a container started or ended: the state file is rewritten
};

class ContainerInstance {
 public:
  // Called when a run ends, before the restart policy is applied (the lab may abort on it).
  using ExitCallback = std::function<void(ContainerInstance&, const RunEnd&)>;

  ContainerInstance(LabContext& lab, const plan::ContainerPlan& plan);
  ContainerInstance(const ContainerInstance&) = delete;
  ContainerInstance& operator=(const ContainerInstance&) = delete;
  ~ContainerInstance();

  const std::string& name() const { return plan_.name; }
  const plan::ContainerPlan& plan() const { return plan_; }
  ContainerState state() const { return state_; }

  // The container's whole life: runs, restarts, until it ends for good or stop() is asked.
  // Sets started() after the first successful start and finished() at the end. `on_exit` is called
  // at the end of every run.
  boost::asio::awaitable<void> supervise(ExitCallback on_exit);
  // `up --no-start`: makes what a start needs (writable layer, cgroup, published ports) without
  // starting; the state is `created` until supervise() is called.
  Status create();
  // Asks for a stop: stop_signal to the init, SIGKILL to the whole cgroup after stop_timeout (or
  // `timeout`: `stop -t`, `down -t`). Returns when the container is no longer running. Safe in any
  // state.
  boost::asio::awaitable<void> stop(
      std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Kills everything in the container's cgroup at once (second Ctrl-C, kill -s KILL).
  void kill_now();
  Status send_signal(int signal_number);
  Status pause();
  Status unpause();
  // Releases every resource but the host veth ends: cgroup, writable layer (unless persist),
  // proxies; the cgroup and the layer are removed on the blocking pool, so several containers' go
  // at once. Call after finished(). Errors are collected, the rest is still released.
  // `cgroup_gone` is set as soon as the cgroup is (its layer may still be going), also when its
  // removal failed.
  boost::asio::awaitable<Status> destroy(AsyncEvent& cgroup_gone);
  // The host veth ends, which the lab deletes with its bridges in one request
  // (net::LabNetwork::remove_links) or which go with the container's network namespace.
  std::vector<std::string> host_links() const;
  // Deletes the host veth ends still listed (none when they went as above). On the loop.
  Status remove_links();
  // The container's network namespace, held while it runs (net::ContainerLinks::take_namespace);
  // empty when it has no host veth ends or its run has ended.
  UniqueFd take_network_namespace();

  AsyncEvent& started() { return *started_; }
  AsyncEvent& healthy() { return *healthy_; }
  // Set when the health check failed its retries (docker's "unhealthy"); a later pass does not
  // clear it: what depends on the container has been told already.
  AsyncEvent& unhealthy() { return *unhealthy_; }
  AsyncEvent& finished() { return *finished_; }
  AsyncEvent& stop_requested() { return *stop_requested_; }
  // After finished(): makes the container startable again (`srcompose start`), keeping its writable
  // layer, cgroup, addresses and its record of runs and restarts.
  void rearm();
  // Ends a container that will never start (a dependency failed): state failed with `reason`.
  void abandon(std::string reason);
  bool start_failed() const { return state_ == ContainerState::failed; }
  const std::string& start_error() const { return status_.error; }
  const std::optional<RunEnd>& last_end() const { return status_.last_end; }

  // A fresh snapshot; with `read_usage`, resource usage is read from the cgroup (several files).
  ContainerStatus status(bool read_usage = true) const;

 private:
  // The parts of a start not made yet (supervisor/container_parts.hpp): the kernel's on the
  // blocking pool, then the loop's. create() makes them at once, for `up --no-start`.
  boost::asio::awaitable<Status> make_kernel_parts_on_pool(std::shared_ptr<KernelParts> parts);
  boost::asio::awaitable<Status> prepare();
  boost::asio::awaitable<Status> remove_cgroup(
      std::shared_ptr<std::optional<cgroup::ContainerCgroup>> cgroup, AsyncEvent& gone);
  // The usage read just before the cgroup went, its peaks kept across restarts.
  void keep_final_usage(const cgroup::Stats& stats);
  KernelParts missing_parts() const;
  Status adopt(KernelParts parts);
  Status prepare_loop_parts();
  boost::asio::awaitable<Status> start_run();
  // An Entry's fds as the runtime takes them (for a start, and for a health check's exec).
  static runtime::CgroupEntryFds entry_fds(const cgroup::Entry& entry);
  // What the supervisor does for a start while the child waits: the rest of the cgroup placement
  // (`entry`), namespaced sysctls, the veths (into `links`). Both must outlive the start.
  runtime::StartHooks start_hooks(const cgroup::Entry& entry,
                                  std::optional<net::ContainerLinks>& links);
  // Waits on the loop until the init has exited, and reaps it.
  boost::asio::awaitable<Result<sys::ExitStatus>> reap_init();
  boost::asio::awaitable<RunEnd> wait_for_run_end();
  boost::asio::awaitable<void> run_healthchecks(uint64_t run_number);
  Status watch_oom_events();
  void report_oom_events();
  boost::asio::awaitable<bool> healthcheck_once();
  boost::asio::awaitable<void> sleep_unless_stopped(std::chrono::milliseconds delay);
  boost::asio::awaitable<void> enforce_time_budget(uint64_t run_number);
  std::chrono::milliseconds next_restart_delay();

  LabContext& lab_;
  const plan::ContainerPlan& plan_;
  ContainerState state_ = ContainerState::waiting;
  ContainerStatus status_;  // the record kept across runs

  // Owned kernel resources.
  std::optional<rootfs::PreparedRootfs> rootfs_;
  std::optional<rootfs::ResolvedUser> user_;
  std::shared_ptr<const security::CompiledSeccomp> seccomp_;  // shared with like containers
  std::optional<cgroup::ContainerCgroup> cgroup_;
  std::optional<net::ContainerLinks> links_;
  std::optional<sys::ChildProcess> init_;
  std::vector<PortProxy> proxies_;
  std::optional<cgroup::OomWatch> oom_watch_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> oom_events_;
  uint64_t oom_kills_reported_ = 0;

  std::unique_ptr<boost::asio::posix::stream_descriptor> pidfd_watch_;
  UniqueFd end_report_;  // the init's report of the workload's end, per run
  std::optional<plan::TimeLimit> time_limit_hit_;  // srcompose killed the container for it
  std::unique_ptr<AsyncEvent> run_ended_;
  std::unique_ptr<AsyncEvent> stop_requested_;  // set once, never reset: stop is final
  RunClock clock_;  // the runs' times and numbers (accounting, run_clock.hpp)
  uint64_t oom_kills_before_run_ = 0;
  std::optional<std::chrono::milliseconds> restart_delay_;  // of the last restart in a row
  ResourceUsage final_usage_;  // last reading before the cgroup was removed

  std::unique_ptr<AsyncEvent> started_;
  std::unique_ptr<AsyncEvent> healthy_;
  std::unique_ptr<AsyncEvent> unhealthy_;
  std::unique_ptr<AsyncEvent> finished_;
  ContainerOutput output_;  // the log budget and each run's pumps (output_pump.hpp)
  // Events replaced by rearm(): a coroutine may still hold a reference to one, so they live on.
  std::vector<std::unique_ptr<AsyncEvent>> retired_events_;
};

}  // namespace srcompose::supervisor
