// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/output_pump.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <chrono>

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

// One pump's state: the partial line and the bytes dropped since the last marker.
class Pump {
 public:
  Pump(asio::io_context& io, std::shared_ptr<asio::posix::stream_descriptor> pipe, Stream stream,
       LogSink& logs, std::string container, std::shared_ptr<OutputBudget> shared)
      : pipe_(std::move(pipe)),
        stream_(stream),
        logs_(logs),
        container_(std::move(container)),
        shared_(std::move(shared)),
        null_fd_(::open("/dev/null", O_WRONLY | O_CLOEXEC)),
        timer_(io) {}

  // Until the pipe's end: lines to the log while the budget allows, the pipe drained while not.
  asio::awaitable<void> run() {
    for (bool open = true; open;) {
      open = null_fd_ && shared_->budget.dropping(RateBudget::Clock::now()) ? co_await drain_once()
                                                                            : co_await read_once();
    }
    if (!pending_.empty()) logs_.container_line(container_, stream_, pending_);
    flush_marker();
  }

 private:
  // False at the pipe's end.
  asio::awaitable<bool> drain_once() {
    boost::system::error_code error;
    co_await pipe_->async_wait(asio::posix::stream_descriptor::wait_read,
                               asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return false;
    // The wait may have outlasted the drop (a flood, then a pause, then one line): what comes
    // after the budget is back is read, not drained.
    if (!shared_->budget.dropping(RateBudget::Clock::now())) co_return true;
    ssize_t n = drain(pipe_->native_handle(), null_fd_.get());
    if (n == 0 || n == -2) co_return false;
    if (n > 0) drop(static_cast<uint64_t>(n));
    timer_.expires_after(kDrainInterval);
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, error));
    co_return true;
  }

  // False at the pipe's end. Waits until readable, then reads into the shared buffer (above).
  asio::awaitable<bool> read_once() {
    boost::system::error_code error;
    co_await pipe_->async_wait(asio::posix::stream_descriptor::wait_read,
                               asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return false;
    const ssize_t got = ::read(pipe_->native_handle(), read_buffer.data(), read_buffer.size());
    if (got == 0) co_return false;
    if (got < 0) co_return errno == EAGAIN || errno == EINTR;
    const auto n = static_cast<size_t>(got);
    if (!shared_->budget.take(n, RateBudget::Clock::now())) {
      // A line cut by the drop is ended here rather than joined to what comes after it.
      if (!pending_.empty()) logs_.container_line(container_, stream_, pending_);
      pending_.clear();
      drop(n);
      co_return true;
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
    co_return true;
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

  std::shared_ptr<asio::posix::stream_descriptor> pipe_;
  Stream stream_;
  LogSink& logs_;
  std::string container_;
  std::shared_ptr<OutputBudget> shared_;
  UniqueFd null_fd_;
  std::string pending_;
  uint64_t dropped_ = 0;  // since the last marker
  asio::steady_timer timer_;
};

}  // namespace

asio::awaitable<void> pump_output(asio::io_context& io,
                                  std::shared_ptr<asio::posix::stream_descriptor> pipe,
                                  Stream stream, LogSink& logs, std::string container,
                                  std::shared_ptr<OutputBudget> shared) {
  (void)::fcntl(pipe->native_handle(), F_SETPIPE_SZ, kPipeSize);
  Pump pump(io, std::move(pipe), stream, logs, std::move(container), std::move(shared));
  co_await pump.run();
}

void ContainerOutput::pump_run(asio::io_context& io, LogSink& logs, const std::string& container,
                               UniqueFd stdout_read, UniqueFd stderr_read) {
  auto out = std::make_shared<asio::posix::stream_descriptor>(io, stdout_read.release());
  auto err = std::make_shared<asio::posix::stream_descriptor>(io, stderr_read.release());
  asio::co_spawn(io, pump_output(io, out, Stream::out, logs, container, budget_),
                 log_escaped("pump_output"));
  asio::co_spawn(io, pump_output(io, err, Stream::err, logs, container, budget_),
                 log_escaped("pump_output"));
}

}  // namespace srcompose::supervisor
