// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/blocking_pool.hpp"

#include <pthread.h>
#include <signal.h>

namespace srcompose::supervisor {

BlockingPool::BlockingPool(boost::asio::io_context& loop, std::size_t threads) : loop_(loop) {
  // Threads inherit the creating thread's signal mask.
  sigset_t all, saved;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &saved);
  threads_ = std::make_unique<boost::asio::thread_pool>(threads);
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
}

BlockingPool::~BlockingPool() {
  threads_->stop();
  threads_->join();
}

}  // namespace srcompose::supervisor
