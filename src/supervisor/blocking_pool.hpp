// SPDX-License-Identifier: GPL-2.0-or-later
// BlockingPool: the few filesystem operations of a teardown that the kernel offers no asynchronous
// form of and that can take long: removing a writable layer (a recursive walk of unlink and rmdir
// over whatever the container wrote) and removing a cgroup (rmdir, retried while killed tasks
// leave it). They run on a small pool of threads so that the removals of many containers overlap
// and the event loop never waits on a disk; each result is posted back to the loop, where the
// waiting coroutine resumes. Everything else (starting containers, netlink, signals, pidfds) stays
// on the loop's one thread, and so does every decision: a job only removes what was moved into it
// and never touches the supervisor's state.
//
// Jobs are std::function objects passed to an ordinary function (async_run), never a lambda passed
// by value to a coroutine: GCC 12 miscompiles a lambda prvalue with an init-capture given to a
// coroutine's by-value parameter inside a co_await (the parameter's copy is moved from the wrong
// address, so the owner inside is both duplicated and garbage; this crashed the foreground `up`'s
// teardown with std::bad_alloc).
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <utility>

#include "common/error.hpp"

namespace srcompose::supervisor {

class BlockingPool {
 public:
  using Job = std::function<Status()>;

  // Starts `threads` threads with every signal blocked: signals are the loop's (signal_set), and a
  // worker must not take them.
  BlockingPool(boost::asio::io_context& loop, std::size_t threads);
  // Waits for the jobs in progress; jobs not started are dropped (the loop has ended).
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs `job` on a worker thread and completes `token` on the loop with the job's Status. The job
  // (and what it owns) is destroyed on the worker, before the completion.
  template <class Token>
  auto async_run(Job job, Token&& token) {
    return boost::asio::async_initiate<Token, void(Status)>(Initiate{this}, token, std::move(job));
  }

 private:
  struct Initiate {
    BlockingPool* pool;
    template <class Handler>
    void operator()(Handler&& handler, Job job) const {
      // The guard keeps the loop running while the job is away from it.
      auto loop = boost::asio::make_work_guard(pool->loop_);
      boost::asio::post(*pool->threads_, [loop = std::move(loop), job = std::move(job),
                                          handler = std::forward<Handler>(handler)]() mutable {
        Status status = job();
        job = nullptr;
        boost::asio::post(loop.get_executor(),
                          [handler = std::move(handler), status = std::move(status)]() mutable {
                            std::move(handler)(std::move(status));
                          });
      });
    }
  };

  boost::asio::io_context& loop_;
  std::unique_ptr<boost::asio::thread_pool> threads_;  // made with every signal blocked
};

}  // namespace srcompose::supervisor
