// SPDX-License-Identifier: GPL-2.0-or-later
// The supervisor's end of a container's stdout or stderr pipe: what it reads goes to the LogSink,
// within the container's output budget (issue 10 item 14).
//
// A container can write far faster than anything can log: `yes` for 5 s wrote 130 MB and cost the
// supervisor 3.4 s of CPU, outside the container's limits. So reads are 64 KiB, lines cost nothing
// extra in the file (common/log_format.hpp), and output past the budget (logging.rate, bursts up to
// logging.max_size; both streams of a container share it) is dropped unread: spliced from the pipe
// into /dev/null at most every kDrainInterval, so that the supervisor wakes a few times a second
// rather than once per write. When output is taken again (or the pipe ends), one line says how
// much was dropped.
#pragma once

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "common/rate_budget.hpp"
#include "common/unique_fd.hpp"
#include "spec/lab.hpp"
#include "supervisor/log_sink.hpp"

namespace srcompose::supervisor {

// What a container's two pumps share; kept by the ContainerInstance across runs.
struct OutputBudget {
  explicit OutputBudget(const spec::Logging& logging);
  RateBudget budget;
  uint64_t rate;
  uint64_t bytes_dropped = 0;  // over the container's life: for ps and the report
};

// Reads `pipe` (a non-blocking read end) until its end, on `io`. Runs on the supervisor's loop;
// never blocks it.
void start_pump(boost::asio::io_context& io, UniqueFd pipe, Stream stream, LogSink& logs,
                std::string container, std::shared_ptr<OutputBudget> budget);

// "[srcompose] dropped 123456 bytes of output over the log budget (1M per second)"
std::string dropped_marker(uint64_t bytes, uint64_t rate);

// A container's output, apart from its lifecycle (ContainerInstance): the log budget its runs
// share, and the two pumps of each run.
class ContainerOutput {
 public:
  explicit ContainerOutput(const spec::Logging& logging)
      : budget_(std::make_shared<OutputBudget>(logging)) {}
  // Carries a run's stdout and stderr (non-blocking read ends) to the log until their end, on
  // `io`; the pumps may outlive the run (they end when the last writer closes).
  void pump_run(boost::asio::io_context& io, LogSink& logs, const std::string& container,
                UniqueFd stdout_read, UniqueFd stderr_read);
  uint64_t bytes_dropped() const { return budget_->bytes_dropped; }

 private:
  std::shared_ptr<OutputBudget> budget_;  // shared with the pumps
};

}  // namespace srcompose::supervisor
