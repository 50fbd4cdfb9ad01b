// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/lab_supervisor.hpp"

#include <malloc.h>
#include <signal.h>
#include <string.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>

#include "runtime/ulimits.hpp"
#include "spec/values.hpp"
#include "supervisor/cleanup.hpp"
#include "supervisor/control_server.hpp"
#include "supervisor/restart_policy.hpp"
#include "supervisor/spawn.hpp"
#include "sys/file_io.hpp"
#include "sys/open_files_limit.hpp"

namespace srcompose::supervisor {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {

// Signals closer together than this are one request (a person cannot press Ctrl-C twice so fast).
constexpr std::chrono::milliseconds kSignalsAreOne{200};

// How long the end of the lab waits for control replies still being written.
constexpr std::chrono::milliseconds kReplyGrace{100};

// How stale the state file may be while the lab comes up (see state_changed).
constexpr std::chrono::milliseconds kStateWriteDelay{50};
// glibc's default M_MMAP_THRESHOLD, kept fixed (start_early_work()).
constexpr int kMallocThreshold = 128 * 1024;

}  // namespace

LabSupervisor::LabSupervisor(plan::LabPlan plan, StatePaths paths, UpOptions options,
                             std::optional<runtime::Launcher> launcher)
    : plan_(std::move(plan)),
      paths_(std::move(paths)),
      options_(std::move(options)),
      launcher_(std::move(launcher)),
      network_ready_(io_),
      seccomp_ready_(io_),
      signals_(io_, SIGINT, SIGTERM),
      shutdown_requested_(io_),
      down_(io_),
      wait_deadline_passed_(io_) {
  if (!options_.exit_code_from.empty()) options_.abort_on_container_exit = true;
  // SIGQUIT and SIGUSR1 would kill the supervisor without a teardown. SIGHUP is the foreground
  // up's terminal closing: a graceful teardown too; a detached supervisor ignores it (up.cpp).
  signals_.add(SIGQUIT);
  signals_.add(SIGUSR1);
  if (options_.foreground) signals_.add(SIGHUP);
  std::vector<std::string> names;
  std::map<std::string, spec::Logging, std::less<>> logging;
  for (const auto& container : plan_.containers) {
    names.push_back(container.name);
    logging[container.name] = container.lifecycle.logging;
  }
  if (!options_.run_container.empty()) {
    options_.abort_on_container_exit = false;
    options_.console.attached = options_.run_container;
  }
  logs_ = std::make_unique<LogSink>(paths_.logs_dir(), options_.console, names, logging);
  events_ = std::make_unique<EventLog>(
      paths_.events_file(), plan_.project,
      [this](const std::string& text) { logs_->progress("", "warning: " + text); });
  start_early_work();
}

// The launcher and the seccomp filters need only the plan: they are started here, on the other
// threads, while this one goes on with the lab's files and cgroups until run() (a `run`'s
// launcher exec and default filter, ~1 ms each, had started only once the loop did).
void LabSupervisor::start_early_work() {
  // A dozen descriptors per container: the soft limit most shells start with (1024) ended a lab of
  // some 90 containers with EMFILE. The launcher gets the original back (sys/open_files_limit.hpp).
  if (auto raised = sys::raise_open_files_limit(); !raised)
    logs_->progress("", "warning: " + raised.error().to_string());
  // One malloc arena for the loop and the blocking pool alike: a pool thread's own arena would keep
  // the pages of its few allocations resident for the lab's whole life (the pool is idle then).
  // Set before the first job runs on a pool thread.
  ::mallopt(M_ARENA_MAX, 1);
  // Fixed thresholds: by default glibc raises both after a large mmapped block is freed (the
  // nftables library's, a state file's text), and the free memory at the heap's top then stays
  // resident for the lab's life (1.2 MB of a 200-container supervisor, issue 16). Fixed, a large
  // block is mapped and unmapped, and a free top above 128 KiB goes back at once.
  ::mallopt(M_MMAP_THRESHOLD, kMallocThreshold);
  ::mallopt(M_TRIM_THRESHOLD, kMallocThreshold);
  // The launcher inherits stdio. A detached supervisor's becomes its log only after this
  // (run_detached_child), and a launcher holding the pipe of `$(srcompose up -d)` would keep the
  // caller's shell waiting: it is started by run() then.
  if (options_.foreground) start_launcher();
  // `--no-start` compiles each filter on the loop at create() (SeccompCache).
  if (!options_.no_start) compile_seccomp_filters();
}

// Started on the thread that talks to it, which lives as long as the supervisor: the launcher and
// the containers it clones die with it (unless the constructor was given one already running).
// Every clone is queued behind its start there; one that failed to start fails the starts, each
// saying why (Launcher::ask starts it again first).
void LabSupervisor::start_launcher() {
  if (!launcher_) launcher_.emplace(runtime::Launcher::deferred());
  BlockingPool::Job start = [this] { return launcher_->start(); };
  launcher_thread_.async_run(std::move(start), [](const Status&) {});
}

LabSupervisor::~LabSupervisor() = default;

std::size_t LabSupervisor::pool_threads(const plan::LabPlan& plan) {
  return std::clamp<std::size_t>(plan.containers.size() + 1, 2, 4);
}

ContainerInstance* LabSupervisor::find(std::string_view name) {
  for (auto& instance : instances_) {
    if (instance->name() == name) return instance.get();
  }
  return nullptr;
}

std::vector<ContainerInstance*> LabSupervisor::dependents_of(const ContainerInstance& instance) {
  std::vector<ContainerInstance*> dependents;
  for (auto& other : instances_) {
    for (const auto& dependency : other->plan().lifecycle.depends_on) {
      if (dependency.container == instance.name()) dependents.push_back(other.get());
    }
  }
  return dependents;
}

int LabSupervisor::run() {
  if (!options_.foreground) start_launcher();
  // The process's one detection: each container's start asks for it again (runtime::clone_child),
  // on the way to its clone, and finds it made.
  auto layout = cgroup::detect_host_once();
  if (!layout) {
    auto error = std::move(layout).error().context("detect cgroups");
    if (options_.on_ready) options_.on_ready(error);
    logs_->progress("", "error: " + error.to_string());
    return 1;
  }
  cgroups_ = **layout;
  report_header_ = options_.report_header;
  report_header_.cgroup_layout = report_layout_name(cgroups_->mode());
  report_header_.started_at = utc_timestamp_now();
  context_ = std::make_unique<LabContext>(LabContext{
      io_, blocking_, seccomp_, *cgroups_, *logs_, *events_, *launcher_, launcher_thread_,
      network_ready_, network_status_, seccomp_ready_, plan_.project, [this] { state_changed(); }});
  for (const auto& container : plan_.containers) {
    instances_.push_back(std::make_unique<ContainerInstance>(*context_, container));
  }
  asio::co_spawn(io_, main_task(), log_escaped("main_task"));
  io_.run();
  // Gone before the supervisor is: a detached supervisor ends with _Exit (no destructors), and
  // `down` promises that nothing of the lab runs once it returns. The loop has ended, so the job's
  // completion never runs and this thread waits for the job itself.
  end_launcher();
  launcher_ended_.get_future().wait();
  return exit_status();
}

// Ended on its own thread, after whatever that thread still does with it (its start, when the lab
// failed at once). Once: the teardown asks as soon as nothing can be cloned any more, run() at
// the end whatever happened.
void LabSupervisor::end_launcher() {
  if (launcher_end_asked_) return;
  launcher_end_asked_ = true;
  BlockingPool::Job end = [this] {
    launcher_.reset();
    launcher_ended_.set_value();
    return Status{};
  };
  launcher_thread_.async_run(std::move(end), [](const Status&) {});
}

asio::awaitable<void> LabSupervisor::main_task() {
  auto control = ControlServer::open(io_, paths_.control_socket(), *this);
  if (!control) {
    failure_ = std::move(control).error().context("control socket");
  } else {
    control_ = std::make_unique<ControlServer>(std::move(*control));
    control_->start();
  }
  asio::co_spawn(io_, watch_signals(), log_escaped("watch_signals"));
  if (!failure_) {
    if (auto status = co_await bring_up(); !status) failure_ = std::move(status).error();
  }
  if (failure_) {
    logs_->progress("", "error: " + failure_->to_string());
  } else if (!shutdown_requested_.is_set()) {
    lab_up_ = true;
    write_state();
    // Coming up allocated and freed far more than a running lab keeps (the plan's scratch, the
    // nftables library's cache, errors and jobs): the free pages go back to the kernel, so the
    // supervisor of a 200-container lab stays small (bench/RESULTS.md).
    ::malloc_trim(0);
    events_->lab("up");
    if (options_.on_ready && !ready_reported_) {
      ready_reported_ = true;
      options_.on_ready(Status{});
    }
    co_await shutdown_requested_.wait();
  }
  co_await tear_down();
  if (options_.on_ready && !ready_reported_) {
    ready_reported_ = true;
    options_.on_ready(failure_ ? Status(*failure_)
                               : Status(Error::message("the lab went down while coming up")));
  }
  down_.set();
  if (control_) control_->close();
  signals_.cancel();
  // Let control replies in flight (down's) be written, for at most kReplyGrace, then end whatever
  // still waits (timers, health checks). A fixed grace made every foreground up and run 100 ms
  // longer.
  const auto grace_end = std::chrono::steady_clock::now() + kReplyGrace;
  asio::steady_timer grace(io_);
  while (control_ && !control_->idle() && std::chrono::steady_clock::now() < grace_end) {
    grace.expires_after(std::chrono::milliseconds(1));
    boost::system::error_code ignored;
    co_await grace.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  co_await finish_network_removal();
  io_.stop();
}

asio::awaitable<Status> LabSupervisor::bring_up() {
  if (auto status = create_state_dir(paths_); !status) co_return status;
  // The storage directory holds every writable layer: its device is what `rootfs` means in io
  // limits.
  std::error_code created;
  std::filesystem::create_directories(plan_.storage_dir, created);
  if (created) co_return Error::from_errno("mkdir " + plan_.storage_dir.string(), created.value());
  // Values the host cannot honour (a cpuset CPU it lacks, a device that is no block device) fail
  // the lab before anything is created.
  for (const auto& container : plan_.containers) {
    auto checked = cgroup::check_limits(*cgroups_, container.cgroup, plan_.storage_dir);
    if (!checked) co_return std::move(checked).error().context("container " + container.name);
    auto ulimits = runtime::check_ulimits(container.process.ulimits);
    if (!ulimits) co_return std::move(ulimits).error().context("container " + container.name);
  }
  // The bridges and the table overlap with the containers' layers and cgroups, which need none
  // of them; the containers wait for them before they are cloned (ContainerInstance::start_run).
  network_creation_started_ = true;
  asio::co_spawn(io_, create_network(), log_escaped("create_network"));
  if (options_.no_start) {
    seccomp_ready_.set();  // each create() compiles its filter (SeccompCache) on the loop
    for (auto& instance : instances_) {
      if (auto status = instance->create(); !status) co_return status;
      created_only_.insert(instance.get());
    }
    co_await network_ready_.wait();
    co_return network_status_;
  }
  for (auto& instance : instances_) {
    asio::co_spawn(io_, container_task(*instance), log_escaped("container_task"));
  }
  // Its failure is the lab's, reported before the containers' that it fails.
  co_await network_ready_.wait();
  if (!network_status_) co_return network_status_;
  // `run` is ready at once: whether its container runs is its own verdict, not the lab's.
  if (!options_.run_container.empty()) co_return Status{};
  if (options_.wait_timeout)
    asio::co_spawn(io_, arm_wait_deadline(*options_.wait_timeout),
                   log_escaped("arm_wait_deadline"));
  co_return co_await wait_until_ready();
}

asio::awaitable<void> LabSupervisor::create_network() {
  if (!plan_.networks.bridges.empty()) {
    auto made = std::make_shared<std::optional<net::LabNetwork>>();
    BlockingPool::Job job = [made, &networks = plan_.networks, &project = plan_.project] {
      auto network = net::LabNetwork::create(networks, project);
      if (!network) return Status(std::move(network).error().context("networks"));
      made->emplace(std::move(*network));
      return Status{};
    };
    network_status_ = co_await blocking_.async_run(std::move(job), asio::use_awaitable);
    network_ = std::move(*made);
    if (network_status_) {
      for (const auto& bridge : plan_.networks.bridges) {
        logs_->progress("network " + bridge.network, "created (bridge " + bridge.bridge + ", " +
                                                         spec::to_string(bridge.subnet) + ")");
      }
    }
  }
  network_ready_.set();
}

// The lab's seccomp filters (most labs have one) are compiled on the pool while the containers'
// layers and cgroups are made, instead of on the loop after them: libseccomp takes ~0.7 ms for the
// default profile, which every `run` waited for. One job compiles them all, one after another
// (libseccomp caches what it probes of the kernel in unguarded globals). A filter that fails is
// not adopted: the container's own request compiles it again and reports the error.
void LabSupervisor::compile_seccomp_filters() {
  auto compiled = std::make_shared<SeccompCache>();
  BlockingPool::Job job = [compiled, &containers = plan_.containers] {
    for (const auto& container : containers)
      (void)compiled->get(container.security);
    return Status{};
  };
  // The completion runs on the loop, once it runs.
  blocking_.async_run(std::move(job), [this, compiled](const Status&) {
    seccomp_.adopt(std::move(*compiled));
    seccomp_ready_.set();
  });
}

asio::awaitable<void> LabSupervisor::arm_wait_deadline(std::chrono::milliseconds timeout) {
  asio::steady_timer timer(io_);
  timer.expires_after(timeout);
  co_await (timer.async_wait(asio::use_awaitable) || down_.wait() || shutdown_requested_.wait());
  if (!lab_up_ && !shutdown_requested_.is_set()) wait_deadline_passed_.set();
}

// Ready when every container started (its dependencies' conditions met on the way) or, with --wait,
// is also healthy. The first container that cannot start (a dependency that turned unhealthy
// included) fails the whole `up`; so does --wait-timeout.
asio::awaitable<Status> LabSupervisor::wait_until_ready() {
  auto timed_out = [&](const ContainerInstance& instance, std::string_view what) {
    return Error::message("timed out after " + spec::format_duration(*options_.wait_timeout) +
                          " waiting for container " + instance.name() + " to " + std::string(what));
  };
  for (auto& instance : instances_) {
    // A stop asked while the lab comes up (Ctrl-C, --abort-on-container-exit) ends the wait: a
    // container may be waiting for a dependency that will never be healthy.
    co_await (instance->started().wait() || instance->finished().wait() ||
              shutdown_requested_.wait() || wait_deadline_passed_.wait());
    // Checked before the shutdown: a lab whose only container failed is shut down at once (every
    // container has exited), and that must still fail `up` with the error.
    if (instance->start_failed()) co_return Error::message(instance->start_error());
    if (shutdown_requested_.is_set()) co_return Status{};
    if (!instance->started().is_set()) {
      if (wait_deadline_passed_.is_set()) co_return timed_out(*instance, "start");
      co_return Error::message("ended before it started").context("container " + instance->name());
    }
    if (options_.wait_healthy && instance->plan().lifecycle.healthcheck) {
      // An unhealthy container may still pass later (docker's health checks keep running), so
      // --wait keeps waiting; only --wait-timeout ends it.
      co_await (instance->healthy().wait() || instance->finished().wait() ||
                shutdown_requested_.wait() || wait_deadline_passed_.wait());
      if (shutdown_requested_.is_set()) co_return Status{};
      if (instance->healthy().is_set()) continue;
      if (wait_deadline_passed_.is_set()) co_return timed_out(*instance, "become healthy");
      co_return Error::message("did not become healthy").context("container " + instance->name());
    }
  }
  co_return Status{};
}

asio::awaitable<std::optional<std::string>> LabSupervisor::wait_for_dependencies(
    ContainerInstance& instance) {
  for (const auto& dependency : instance.plan().lifecycle.depends_on) {
    ContainerInstance* other = find(dependency.container);
    for (;;) {
      if (instance.stop_requested().is_set()) co_return "stopped before its dependencies were met";
      DependencyFacts facts{other->started().is_set(), other->healthy().is_set(),
                            other->unhealthy().is_set(), other->finished().is_set(),
                            other->last_end()};
      auto verdict = dependency_verdict(dependency.condition, facts);
      if (verdict == DependencyVerdict::met) break;
      if (verdict == DependencyVerdict::unhealthy)
        co_return "container " + other->name() + " is unhealthy";
      if (verdict == DependencyVerdict::never) {
        co_return "dependency " + other->name() + " did not become " +
            std::string(spec::to_string(dependency.condition));
      }
      co_await (other->started().wait() || other->healthy().wait() || other->unhealthy().wait() ||
                other->finished().wait() || instance.stop_requested().wait());
    }
  }
  co_return std::nullopt;
}

asio::awaitable<void> LabSupervisor::container_task(ContainerInstance& instance) {
  if (auto unmet = co_await wait_for_dependencies(instance)) {
    instance.abandon(*unmet);
  } else {
    logs_->progress(instance.name(), "starting");
    co_await instance.supervise(
        [this](ContainerInstance& which, const RunEnd& end) { on_container_exit(which, end); });
  }
  // While `up` brings the lab up, a start failure is the lab's error, printed once by main_task;
  // under `run` it is the container's own.
  if (instance.start_failed() && (lab_up_ || !options_.run_container.empty())) {
    logs_->progress(instance.name(), "failed: " + instance.start_error());
  }
  if (instance.name() == options_.run_container) {
    request_shutdown("container " + instance.name() + " has ended");
    co_return;
  }
  // In the foreground, the lab ends when nothing runs any more (as docker compose up does).
  bool all_finished = std::all_of(instances_.begin(), instances_.end(),
                                  [](const auto& each) { return each->finished().is_set(); });
  if (all_finished && options_.foreground) request_shutdown("every container has exited");
}

void LabSupervisor::on_container_exit(ContainerInstance& instance, const RunEnd& end) {
  if (shutdown_requested_.is_set()) return;
  if (options_.abort_on_container_exit) {
    request_shutdown("container " + instance.name() + " exited (" + end.reason() + ")");
  }
}

void LabSupervisor::request_shutdown(const std::string& why) {
  if (shutdown_requested_.is_set()) return;
  logs_->progress("", "stopping the lab: " + why);
  shutdown_requested_.set();
}

asio::awaitable<void> LabSupervisor::watch_signals() {
  for (;;) {
    boost::system::error_code error;
    int signal_number =
        co_await signals_.async_wait(asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return;
    if (signal_number == SIGUSR1) {
      logs_->progress("", "SIGUSR1 ignored");
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!first_signal_at_) {
      first_signal_at_ = now;
      if (!shutdown_requested_.is_set()) {
        request_shutdown(signal_number == SIGINT    ? std::string("interrupted")
                         : signal_number == SIGTERM ? std::string("terminated")
                                                    : spec::signal_name(signal_number));
        continue;
      }
    }
    // Only a signal that comes after the first was acted on escalates: GNU timeout (and a shell
    // killing a process group) sends one signal twice at once, which is one request, not two.
    if (now - *first_signal_at_ < kSignalsAreOne) continue;
    // A second Ctrl-C: kill at once; the teardown still removes everything.
    logs_->progress("", "killing every container");
    for (auto& instance : instances_)
      instance->kill_now();
  }
}

// The logs live in the state directory, which goes with the lab: copied out first. A failure is a
// warning, never a reason to leave the lab half torn down.
void LabSupervisor::write_results(const std::string& report_text) {
  const auto& dir = options_.results_dir;
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    logs_->progress("", "warning: results: mkdir " + dir.string() + ": " + error.message());
    return;
  }
  if (auto status = sys::write_file_atomically(dir / "report.json", report_text); !status)
    logs_->progress("", "warning: results: " + status.error().to_string());
  for (const auto& container : plan_.containers) {
    auto log = paths_.logs_dir() / (container.name + ".log");
    auto copy = dir / (container.name + ".log");
    std::filesystem::remove(copy, error);
    if (!std::filesystem::exists(log)) {
      // A container that never wrote a line still gets its (empty) file: absence means nothing.
      (void)sys::write_file_atomically(copy, "");
      continue;
    }
    std::filesystem::copy_file(log, copy, std::filesystem::copy_options::overwrite_existing, error);
    if (error) {
      logs_->progress("", "warning: results: copy " + log.string() + ": " + error.message());
    }
  }
}

json::array LabSupervisor::report() const {
  json::array records;
  for (const auto& instance : instances_)
    records.emplace_back(report_record(instance->status()));
  return records;
}

// While the lab comes up, every container's start would rewrite the whole file (n containers,
// n rewrites of n entries: 40,000 entries serialized for a lab of 200): the writes are gathered,
// at most one per kStateWriteDelay, and the last one made when the lab is up. Afterwards a change
// is written as soon as the loop has made the others of the same moment (exec reads the init's
// pid from the file): the containers that one stop signal ended are one write, and the end of
// the container that ends the lab (run's, --abort-on-container-exit's) none, the teardown coming
// first instead of after a rewrite.
void LabSupervisor::state_changed() {
  if (state_write_pending_) return;
  state_write_pending_ = true;
  if (lab_up_) {
    asio::post(io_, [this] {
      if (state_write_pending_) write_state();
    });
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(io_, kStateWriteDelay);
  timer->async_wait([this, timer](const boost::system::error_code&) {
    if (!state_write_pending_) return;
    write_state();
  });
}

void LabSupervisor::write_state() {
  state_write_pending_ = false;
  if (down_.is_set() || shutdown_requested_.is_set()) return;
  // Rewritten at every start and exit: usage is left out (`ps` asks the supervisor for live
  // values), or a lab of n containers would read n cgroups' files n times while it comes up.
  // Serialized one container at a time: the document as one JSON value (and its copy with the
  // newline) was about 1.5 MB for a moment at every write of a 200-container lab, most of the
  // supervisor's peak memory (issue 16). "containers" is initial_state's last member.
  json::object state = initial_state(plan_);
  state.erase("containers");
  std::string text = json::serialize(state);
  text.pop_back();  // its closing brace
  text += R"(,"containers":[)";
  for (const auto& instance : instances_) {
    if (instance != instances_.front()) text += ',';
    text += json::serialize(to_json(instance->status(/*read_usage=*/false)));
  }
  text += "]}\n";
  if (auto status = sys::write_file_atomically(paths_.state_file(), text); !status) {
    logs_->progress("", "warning: state file: " + status.error().to_string());
  }
}

int LabSupervisor::exit_status() const {
  if (!options_.run_container.empty()) {
    for (const auto& instance : instances_) {
      if (instance->name() != options_.run_container) continue;
      if (instance->last_end()) return instance->last_end()->exit_code;
    }
    return failure_ ? 1 : kRunNeverRan;
  }
  if (!options_.exit_code_from.empty()) {
    for (const auto& instance : instances_) {
      if (instance->name() == options_.exit_code_from && instance->last_end()) {
        return instance->last_end()->exit_code;
      }
    }
    return 1;
  }
  return failure_ ? 1 : 0;
}

}  // namespace srcompose::supervisor
