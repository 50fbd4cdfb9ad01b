// SPDX-License-Identifier: GPL-2.0-or-later
#include "batch/local_runner.hpp"

#include <signal.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <map>

#include "batch/host_program.hpp"
#include "batch/progress.hpp"
#include "supervisor/async_process.hpp"
#include "supervisor/spawn.hpp"
#include "supervisor/state_dir.hpp"
#include "sys/file_io.hpp"

namespace srcompose::batch {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// Whether `pid` catches `signal_number` yet (/proc/PID/status, SigCgt). Until `srcompose run` has
// its handlers, the default action would kill it halfway through creating its lab.
bool catches_signal(pid_t pid, int signal_number) {
  auto status = supervisor::read_small_file("/proc/" + std::to_string(pid) + "/status");
  if (!status) return true;  // gone: nothing to wait for
  size_t at = status->find("\nSigCgt:\t");
  if (at == std::string::npos) return true;
  uint64_t caught = std::strtoull(status->c_str() + at + 9, nullptr, 16);
  return (caught >> (signal_number - 1)) & 1U;
}

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

class LocalBatch {
 public:
  LocalBatch(const BatchSetup& setup, const std::vector<size_t>& to_run, size_t already_done,
             std::string executable, bool terminal)
      : setup_(setup),
        to_run_(to_run),
        executable_(std::move(executable)),
        reporter_(terminal),
        terminal_(terminal),
        signals_(io_, SIGINT, SIGTERM),
        ticker_(io_) {
    progress_.total = setup.items.size();
    progress_.done = already_done;
    progress_.jobs = setup.jobs;
  }

  LocalRun run() {
    size_t workers = std::min<size_t>(setup_.jobs, to_run_.size());
    if (workers == 0) return outcome_;
    workers_left_ = workers;
    asio::co_spawn(io_, watch_signals(), supervisor::log_escaped("batch signals"));
    if (terminal_) asio::co_spawn(io_, tick(), supervisor::log_escaped("batch progress"));
    for (size_t i = 0; i < workers; ++i)
      asio::co_spawn(io_, worker(), supervisor::log_escaped("batch worker"));
    reporter_.update(progress_);
    io_.run();
    reporter_.finish();
    return outcome_;
  }

 private:
  asio::awaitable<void> worker() {
    while (!outcome_.interrupted && next_ < to_run_.size()) {
      const Item& item = setup_.items[to_run_[next_++]];
      co_await run_item(item);
    }
    if (--workers_left_ == 0) stop_watching();
  }

  asio::awaitable<void> run_item(const Item& item) {
    auto dir = setup_.out / item.key;
    std::error_code error;
    std::filesystem::remove_all(dir, error);
    std::filesystem::create_directories(dir, error);
    ItemEnd end;
    end.host = host_name();
    end.started_at = utc_timestamp(std::chrono::system_clock::now());
    auto started = Clock::now();
    SpawnRequest request;
    request.argv = instance_argv(setup_, item, executable_);
    request.environment = environment_with(instance_variables(item));
    request.output = dir / kRunOutputFile;
    request.own_process_group = true;
    auto process = error ? Result<sys::ChildProcess>(
                               Error::message("mkdir " + dir.string() + ": " + error.message()))
                         : spawn_program(request);
    if (process) {
      ++progress_.running;
      reporter_.update(progress_);
      running_[item.key] = &*process;
      auto exited = co_await supervisor::wait_for_exit(io_, *process);
      running_.erase(item.key);
      --progress_.running;
      if (!exited) {
        end.error = exited.error().to_string();
      } else if (*exited) {
        end.exit_code = (*exited)->exit_code;
      }
    } else {
      end.error = "could not start srcompose run: " + process.error().to_string();
      end.exit_code = 127;
    }
    end.ended_at = utc_timestamp(std::chrono::system_clock::now());
    end.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    // Ended by our signal: no end record, so that a resumed batch runs it again.
    if (outcome_.interrupted) {
      reporter_.line(item.name + ": interrupted");
      co_return;
    }
    if (auto status = sys::write_file_atomically(dir / kItemEndFile, format_item_end(end));
        !status) {
      reporter_.line(item.name + ": " + status.error().to_string());
    }
    auto result =
        read_item_result(item, project_name(setup_.prefix, item), setup_.out, setup_.run_container);
    ++progress_.done;
    if (result.outcome != Outcome::done) ++progress_.failed;
    ++ended_here_;
    total_duration_ += std::chrono::milliseconds(end.duration_ms);
    progress_.mean_duration = total_duration_ / ended_here_;
    reporter_.line(describe_result(result, setup_.run_container));
    reporter_.update(progress_);
  }

  asio::awaitable<void> watch_signals() {
    while (!stopped_) {
      boost::system::error_code error;
      int signal_number =
          co_await signals_.async_wait(asio::redirect_error(asio::use_awaitable, error));
      if (error) co_return;
      if (!outcome_.interrupted) {
        outcome_.interrupted = true;
        outcome_.signal = signal_number;
        reporter_.line("interrupted: stopping " + std::to_string(running_.size()) +
                       " running instance(s); no more items start");
      }
      // Every signal is passed on: the instances escalate a second one themselves (they kill
      // their containers at once and still tear everything down).
      for (auto& [key, process] : running_)
        asio::co_spawn(io_, forward_when_caught(key, signal_number),
                       supervisor::log_escaped("batch forward"));
    }
  }

  // Sends the signal once the instance catches it (it may have just been spawned); gives up
  // waiting after 30 s (an instance that never gets there is stuck anyway).
  asio::awaitable<void> forward_when_caught(std::string key, int signal_number) {
    asio::steady_timer pause(io_);
    auto deadline = Clock::now() + std::chrono::seconds(30);
    for (;;) {
      auto found = running_.find(key);
      if (found == running_.end()) co_return;
      if (catches_signal(found->second->pid(), signal_number) || Clock::now() >= deadline) {
        (void)found->second->signal(signal_number);
        co_return;
      }
      pause.expires_after(std::chrono::milliseconds(20));
      boost::system::error_code ignored;
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
  }

  asio::awaitable<void> tick() {
    while (!stopped_) {
      ticker_.expires_after(std::chrono::seconds(1));
      boost::system::error_code ignored;
      co_await ticker_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      if (!stopped_) reporter_.update(progress_);
    }
  }

  void stop_watching() {
    stopped_ = true;
    signals_.cancel();
    ticker_.cancel();
  }

  const BatchSetup& setup_;
  const std::vector<size_t>& to_run_;
  std::string executable_;
  ProgressReporter reporter_;
  bool terminal_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer ticker_;
  size_t next_ = 0;
  size_t workers_left_ = 0;
  bool stopped_ = false;
  std::map<std::string, sys::ChildProcess*> running_;
  Progress progress_;
  size_t ended_here_ = 0;
  std::chrono::milliseconds total_duration_{0};
  LocalRun outcome_;
};

}  // namespace

LocalRun run_local(const BatchSetup& setup, const std::vector<size_t>& to_run, size_t already_done,
                   const std::string& executable, bool terminal) {
  LocalBatch batch(setup, to_run, already_done, executable, terminal);
  return batch.run();
}

}  // namespace srcompose::batch
