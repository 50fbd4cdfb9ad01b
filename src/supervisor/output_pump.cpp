// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/output_pump.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <memory>

#include "common/unique_fd.hpp"
#include "spec/values.hpp"
#include "supervisor/spawn.hpp"

namespace srcompose::supervisor {

namespace asio = boost::asio;

namespace {

constexpr size_t kReadSize = size_t{64} * 1024;
// One read buffer for every pump of the process: a pump reads only once its pipe is readable and
// hands the bytes on before it awaits anything again, so no two reads overlap on the one loop.
// A buffer per pump was 128 KiB per container, most of a 200-container supervisor's memory.
std::array<char, kReadSize> read_buffer;
// A line longer than this is logged in pieces: memory per pump stays bounded.
constexpr size_t kMaxLogLine = size_t{16} * 1024;
// While dropping, the pipe is emptied this often; meanwhile a flooding writer blocks on the full
// pipe (costing neither it nor the supervisor CPU).
constexpr std::chrono::milliseconds kDrainInterval{20};
// A larger pipe holds a drain interval's worth of a fast writer; refused above
// /proc/sys/fs/pipe-max-size, which only makes the writer block sooner.
constexpr int kPipeSize = 1024 * 1024;

// Empties what the pipe holds into /dev/null without copying it: 0 at the end of the pipe.
ssize_t drain(int pipe_fd, int null_fd) {
  ssize_t total = 0;
  for (;;) {
    ssize_t n = ::splice(pipe_fd, nullptr, null_fd, nullptr, kPipeSize, SPLICE_F_NONBLOCK);
    if (n > 0) {
      total += n;
      continue;
    }
    if (n == 0) return total;  // the end: 0 now, or at the next call
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return total == 0 ? -1 : total;
    return total == 0 ? -2 : total;
  }
}

}  // namespace

OutputBudget::OutputBudget(const spec::Logging& logging)
    : budget(logging.rate, logging.max_size, RateBudget::Clock::now()), rate(logging.rate) {}

std::string dropped_marker(uint64_t bytes, uint64_t rate) {
  return "[srcompose] dropped " + std::to_string(bytes) + " bytes of output over the log budget (" +
         spec::format_size(rate) + " per second)";
}

namespace {

// Where a drain sends what it drops: one /dev/null for the whole process, shared by every pump
// (each pump opened its own before: two descriptors per container, 400 at 200 containers). -1 when
// it cannot be opened: the pumps then read and drop by themselves.
int shared_null_fd() {
  static const UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  return null ? null.get() : -1;
}

// One pump: the partial line and the bytes dropped since the last marker. Driven by handlers, not
// a coroutine: a pump lives as long as its container's run, and a coroutine's spawn, frames and
// awaited operation cost about 1.6 kB per pump, a handler waiting on the pipe about 0.3 kB (issue
// 16: two pumps per container, 200 containers). The pending handler holds the pump.
class Pump : public std::enable_shared_from_this<Pump> {
 public:
  Pump(asio::io_context& io, UniqueFd pipe, Stream stream, LogSink& logs, std::string container,
       std::shared_ptr<OutputBudget> shared)
      : pipe_(io, pipe.release()),
        stream_(stream),
        logs_(logs),
        container_(std::move(container)),
        shared_(std::move(shared)),
        null_fd_(shared_null_fd()),
        timer_(io) {}

  // Until the pipe's end: lines to the log while the budget allows, the pipe drained while not.
  void next() {
    auto step = null_fd_ >= 0 && shared_->budget.dropping(RateBudget::Clock::now())
                    ? &Pump::drain_once
                    : &Pump::read_once;
    pipe_.async_wait(asio::posix::stream_descriptor::wait_read,
                     [self = shared_from_this(), step](const boost::system::error_code& error) {
                       self->guarded(step, error);
                     });
  }

 private:
  using Step = void (Pump::*)(const boost::system::error_code&);

  // An exception here is a bug: logged (as log_escaped does for coroutines), the pump ends and the
  // loop goes on.
  void guarded(Step step, const boost::system::error_code& error) {
    try {
      (this->*step)(error);
    } catch (...) {
      LogEscapedException{"pump_output"}(std::current_exception());
    }
  }

  void finish() {
    if (!pending_.empty()) logs_.container_line(container_, stream_, pending_);
    pending_.clear();
    flush_marker();
  }

  // The pipe was readable (or failed) while the budget was dropping.
  void drain_once(const boost::system::error_code& error) {
    if (error) return finish();
    // The wait may have outlasted the drop (a flood, then a pause, then one line): what comes
    // after the budget is back is read, not drained.
    if (!shared_->budget.dropping(RateBudget::Clock::now())) return next();
    ssize_t n = drain(pipe_.native_handle(), null_fd_);
    if (n == 0 || n == -2) return finish();
    if (n > 0) drop(static_cast<uint64_t>(n));
    timer_.expires_after(kDrainInterval);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) {
      try {
        self->next();
      } catch (...) {
        LogEscapedException{"pump_output"}(std::current_exception());
      }
    });
  }

  // The pipe was readable (or failed): reads into the shared buffer (above).
  void read_once(const boost::system::error_code& error) {
    if (error) return finish();
    const ssize_t got = ::read(pipe_.native_handle(), read_buffer.data(), read_buffer.size());
    if (got == 0) return finish();
    if (got < 0) return errno == EAGAIN || errno == EINTR ? next() : finish();
    const auto n = static_cast<size_t>(got);
    if (!shared_->budget.take(n, RateBudget::Clock::now())) {
      // A line cut by the drop is ended here rather than joined to what comes after it.
      if (!pending_.empty()) logs_.container_line(container_, stream_, pending_);
      pending_.clear();
      drop(n);
      return next();
    }
    flush_marker();
    pending_.append(read_buffer.data(), n);
    size_t complete = pending_.rfind('\n');
    if (complete != std::string::npos) {
      logs_.container_output(container_, stream_,
                             std::string_view(pending_).substr(0, complete + 1));
      pending_.erase(0, complete + 1);
    }
    if (pending_.size() > kMaxLogLine) {
      logs_.container_line(container_, stream_, pending_);
      pending_.clear();
    }
    next();
  }

  void drop(uint64_t bytes) {
    dropped_ += bytes;
    shared_->bytes_dropped += bytes;
  }

  void flush_marker() {
    if (dropped_ == 0) return;
    logs_.container_line(container_, stream_, dropped_marker(dropped_, shared_->rate));
    dropped_ = 0;
  }

  asio::posix::stream_descriptor pipe_;
  Stream stream_;
  LogSink& logs_;
  std::string container_;
  std::shared_ptr<OutputBudget> shared_;
  int null_fd_;  // shared_null_fd()
  std::string pending_;
  uint64_t dropped_ = 0;  // since the last marker
  asio::steady_timer timer_;
};

}  // namespace

void start_pump(asio::io_context& io, UniqueFd pipe, Stream stream, LogSink& logs,
                std::string container, std::shared_ptr<OutputBudget> budget) {
  (void)::fcntl(pipe.get(), F_SETPIPE_SZ, kPipeSize);
  std::make_shared<Pump>(io, std::move(pipe), stream, logs, std::move(container), std::move(budget))
      ->next();
}

void ContainerOutput::pump_run(asio::io_context& io, LogSink& logs, const std::string& container,
                               UniqueFd stdout_read, UniqueFd stderr_read) {
  start_pump(io, std::move(stdout_read), Stream::out, logs, container, budget_);
  start_pump(io, std::move(stderr_read), Stream::err, logs, container, budget_);
}

}  // namespace srcompose::supervisor
