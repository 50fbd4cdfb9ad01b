// SPDX-License-Identifier: GPL-2.0-or-later
// LabSupervisor: the composition root of a running lab. One thread, one io_context: it creates the
// networks, starts every container in dependency order (each as coroutines of its
// ContainerInstance), serves the control socket, handles SIGINT/SIGTERM, and tears everything down
// in reverse order, leaving nothing behind. A failure while the lab comes up tears down what was
// made and names the container and the step.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cgroup/cgroup.hpp"
#include "common/unique_fd.hpp"
#include "net/network.hpp"
#include "plan/lab_plan.hpp"
#include "supervisor/async_event.hpp"
#include "supervisor/blocking_pool.hpp"
#include "supervisor/container_instance.hpp"
#include "supervisor/json.hpp"
#include "supervisor/log_sink.hpp"
#include "supervisor/report.hpp"
#include "supervisor/state_dir.hpp"

namespace srcompose::supervisor {

class ControlServer;

// `run`'s exit status when its container never ran (failed to start, or a dependency's condition
// could not be met), as `docker run` uses 125 for "the container could not be run".
inline constexpr int kRunNeverRan = 125;

struct UpOptions {
  bool wait_healthy = false;  // --wait: ready also needs healthy health checks
  bool abort_on_container_exit = false;
  std::string exit_code_from;         // implies abort_on_container_exit
  std::filesystem::path report_file;  // --report: the run report is written there at teardown
  // --results: at teardown the report (report.json) and each container's log (NAME.log) are
  // written there, so that they outlive the lab.
  std::filesystem::path results_dir;
  // `srcompose run NAME`: the lab ends when NAME has ended for good (restarts included), whatever
  // the others do, and `run` returns NAME's exit code (kRunNeverRan when it never ran).
  std::string run_container;
  // --wait-timeout: bring-up (started, and healthy with --wait) fails after this long.
  std::optional<std::chrono::milliseconds> wait_timeout;
  // `up -t`: the stop timeout of every container when the lab goes down (unless `down -t` says
  // otherwise), instead of each one's stop_timeout.
  std::optional<std::chrono::milliseconds> stop_timeout;
  // `up --no-start`: networks and containers are made (state created), none is started until
  // `srcompose start`.
  bool no_start = false;
  ConsoleOptions console;
  // The run report's header (make_report_header), made by the command from the lab file it planned:
  // the supervisor never reads the lab file. Times and cgroup layout are filled in here.
  ReportHeader report_header;
  bool foreground =
      true;  // the lab ends when every container has exited (docker compose up's rule)
  // Called once: with success when every container runs (the moment `up -d` returns), or with the
  // error that made the lab come down.
  std::function<void(const Status&)> on_ready;
};

class LabSupervisor {
 public:
  // `launcher`: one its caller spawned already, so that its exec overlapped the caller's work
  // (`run`); a foreground supervisor starts one of its own otherwise.
  LabSupervisor(plan::LabPlan plan, StatePaths paths, UpOptions options,
                std::optional<runtime::Launcher> launcher = std::nullopt);
  ~LabSupervisor();

  // Runs the lab until it is down and everything is removed. Returns `up`'s exit status.
  int run();

 private:
  boost::asio::awaitable<void> main_task();
  boost::asio::awaitable<Status> bring_up();
  boost::asio::awaitable<Status> wait_until_ready();
  boost::asio::awaitable<void> arm_wait_deadline(std::chrono::milliseconds timeout);
  boost::asio::awaitable<void> container_task(ContainerInstance& instance);
  boost::asio::awaitable<std::optional<std::string>> wait_for_dependencies(
      ContainerInstance& instance);
  boost::asio::awaitable<void> take_down_after_dependents(ContainerInstance& instance,
                                                          AsyncEvent& cgroup_gone,
                                                          AsyncEvent& done);
  boost::asio::awaitable<Status> remove_project_cgroups(std::vector<AsyncEvent*> containers_gone);
  void end_launcher();
  boost::asio::awaitable<void> tear_down();
  boost::asio::awaitable<void> create_network();
  void start_early_work();
  void start_launcher();
  void compile_seccomp_filters();
  boost::asio::awaitable<Status> remove_network();
  boost::asio::awaitable<void> remove_links(std::shared_ptr<net::LabNetwork> network);
  boost::asio::awaitable<Status> wait_until_unlisted(std::vector<std::string> names);
  boost::asio::awaitable<void> finish_network_removal();
  boost::asio::awaitable<void> watch_signals();
  void on_container_exit(ContainerInstance& instance, const RunEnd& end);
  void request_shutdown(const std::string& why);
  ContainerInstance* find(std::string_view name);
  std::vector<ContainerInstance*> dependents_of(const ContainerInstance& instance);
  void state_changed();
  void write_state();
  void write_results(const std::string& report_text);
  json::array report() const;
  int exit_status() const;

 public:
  // Control requests ({"command": "ps" | "down" | "stop" | "start" | "restart" | "kill" | "pause" |
  // "unpause" | "wait", "containers": [...], "signal": N, "timeout_ms": N (down, stop, restart),
  // "volumes": bool (down: persist layers too)}); the reply is {"ok": bool, ...}.
  boost::asio::awaitable<json::object> handle_request(const json::object& request);

 private:
  boost::asio::awaitable<json::object> lifecycle_request(
      std::string_view command, const std::vector<ContainerInstance*>& targets, int signal_number,
      std::optional<std::chrono::milliseconds> stop_timeout);
  // The request's "containers" (all when none is named); an error names an unknown one.
  Result<std::vector<ContainerInstance*>> request_targets(const json::object& request);
  // One container's part of start, restart, kill, pause, unpause (stop's part comes before).
  Status apply_lifecycle(std::string_view command, ContainerInstance& instance, int signal_number);
  Status start_again(ContainerInstance& instance);
  boost::asio::awaitable<json::object> wait_request(const std::vector<ContainerInstance*>& targets);
  static std::size_t pool_threads(const plan::LabPlan& plan);

  plan::LabPlan plan_;
  StatePaths paths_;
  UpOptions options_;
  boost::asio::io_context io_;
  SeccompCache seccomp_;
  std::optional<cgroup::HostLayout> cgroups_;
  std::unique_ptr<LogSink> logs_;
  std::unique_ptr<EventLog> events_;
  // Given to the constructor or made by start_launcher(), started and ended on launcher_thread_.
  std::optional<runtime::Launcher> launcher_;
  bool launcher_end_asked_ = false;  // end_launcher
  std::promise<void> launcher_ended_;
  std::unique_ptr<LabContext> context_;
  std::optional<net::LabNetwork> network_;
  // The lab's bridges and table are made on the pool while the containers' parts are made; set
  // once network_ is in place or its creation failed (network_status_). Containers with a network
  // are cloned after it, the teardown looks at network_ after it.
  AsyncEvent network_ready_;
  // Set at teardown once the network's removal has begun (at once when the lab has none): each
  // container's own removal (cgroup, layer: CPU work on the pool) waits for it, because on a
  // 2-core machine that work delayed the reaping of the last containers and with it the start of
  // the teardown's longest wait, the kernel's RCU grace periods for the bridge.
  AsyncEvent network_removal_begun_{io_};
  // From the teardown's start until its links' removal has ended: every running container's
  // network namespace. Held, they outlive the containers, so their veth pairs go in that one
  // request with the bridges, and the kernel's cleanup of each namespace (the RTNL, an RCU grace
  // period and rcu_barrier()s) runs after it instead of during it (`down` x10 56 -> 46 ms).
  std::vector<UniqueFd> held_namespaces_;
  Status network_status_;
  bool network_creation_started_ = false;  // a failure before it leaves network_ready_ unset
  AsyncEvent seccomp_ready_;               // LabContext::seccomp_ready
  // After remove_network: the network being removed (its nftables socket closes last, see
  // net::LabNetwork::remove_table) and the end of its links' removal, whose kernel waits go on
  // after the links are gone (finish_network_removal).
  std::shared_ptr<net::LabNetwork> removed_network_;
  std::optional<AsyncEvent> links_removed_;
  Status links_removal_status_;
  std::vector<std::unique_ptr<ContainerInstance>> instances_;  // start order
  // Up to four threads: the starts' kernel waits (cgroup moves wait for RCU grace periods) and a
  // teardown's removals overlap on a 2-core machine without a thread per container (memory stays
  // flat at 200 containers). A lab of one container (a `run`) has a few jobs at a time and gets
  // two: a thread more only cost a `run` its creation and its exit. Declared after io_ and the
  // instances, whose parts its jobs use: joined before they go.
  BlockingPool blocking_{io_, pool_threads(plan_)};
  // Every use of launcher_: its start and end, the clones (supervisor::start_container and
  // exec_in_container). A launcher started here dies with this thread, which lives as long as the
  // supervisor (one given to the constructor, with the thread that spawned it: `run`'s main
  // thread, the loop's).
  BlockingPool launcher_thread_{io_, 1};
  std::unique_ptr<ControlServer> control_;
  boost::asio::signal_set signals_;
  std::optional<std::chrono::steady_clock::time_point> first_signal_at_;
  AsyncEvent shutdown_requested_;
  AsyncEvent down_;
  AsyncEvent wait_deadline_passed_;  // --wait-timeout ran out while the lab came up
  std::optional<Error> failure_;     // why the lab came down, when it was not asked to
  json::object final_report_;        // the whole report, made at teardown
  ReportHeader report_header_;
  bool ready_reported_ = false;
  // Created by `up --no-start` and not started yet: `start` starts them (and their dependencies).
  std::set<ContainerInstance*> created_only_;
  // `down -v`: the teardown removes the persist layers too.
  bool remove_persistent_ = false;
  bool state_write_pending_ = false;  // a gathered write_state is due (state_changed)
  bool lab_up_ =
      false;  // bring-up finished: later start failures are the container's, not the lab's
};

}  // namespace srcompose::supervisor
