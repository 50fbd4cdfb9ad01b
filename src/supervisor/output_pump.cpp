#include "supervisor/output_pump.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <vector>

#include "common/unique_fd.hpp"
#include "spec/values.hpp"

namespace srcompose::supervisor {

namespace asio = boost::asio;

namespace {

constexpr size_t kReadSize = 64 * 1024;
// A line longer than this is logged in pieces: memory per pump stays bounded.
constexpr size_t kMaxLogLine = 16 * 1024;
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

asio::awaitable<void> pump_output(asio::io_context& io,
                                  std::shared_ptr<asio::posix::stream_descriptor> pipe,
                                  Stream stream, LogSink& logs, std::string container,
                                  std::shared_ptr<OutputBudget> shared) {
  (void)::fcntl(pipe->native_handle(), F_SETPIPE_SZ, kPipeSize);
  UniqueFd null_fd(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  std::vector<char> buffer(kReadSize);
  std::string pending;
  uint64_t dropped = 0;  // since the last marker
  asio::steady_timer timer(io);
  auto drop = [&](uint64_t bytes) {
    dropped += bytes;
    shared->bytes_dropped += bytes;
  };
  auto flush_marker = [&] {
    if (dropped == 0) return;
    logs.container_line(container, stream, dropped_marker(dropped, shared->rate));
    dropped = 0;
  };
  for (;;) {
    boost::system::error_code error;
    if (null_fd && shared->budget.dropping(RateBudget::Clock::now())) {
      co_await pipe->async_wait(asio::posix::stream_descriptor::wait_read,
                                asio::redirect_error(asio::use_awaitable, error));
      if (error) break;
      // The wait may have outlasted the drop (a flood, then a pause, then one line): what comes
      // after the budget is back is read, not drained.
      if (!shared->budget.dropping(RateBudget::Clock::now())) continue;
      ssize_t n = drain(pipe->native_handle(), null_fd.get());
      if (n == 0 || n == -2) break;
      if (n > 0) drop(static_cast<uint64_t>(n));
      timer.expires_after(kDrainInterval);
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, error));
      continue;
    }
    size_t n = co_await pipe->async_read_some(asio::buffer(buffer),
                                              asio::redirect_error(asio::use_awaitable, error));
    if (error) break;
    if (!shared->budget.take(n, RateBudget::Clock::now())) {
      // A line cut by the drop is ended here rather than joined to what comes after it.
      if (!pending.empty()) logs.container_line(container, stream, pending);
      pending.clear();
      drop(n);
      continue;
    }
    flush_marker();
    pending.append(buffer.data(), n);
    size_t complete = pending.rfind('\n');
    if (complete != std::string::npos) {
      logs.container_output(container, stream, std::string_view(pending).substr(0, complete + 1));
      pending.erase(0, complete + 1);
    }
    if (pending.size() > kMaxLogLine) {
      logs.container_line(container, stream, pending);
      pending.clear();
    }
  }
  if (!pending.empty()) logs.container_line(container, stream, pending);
  flush_marker();
}

}  // namespace srcompose::supervisor
