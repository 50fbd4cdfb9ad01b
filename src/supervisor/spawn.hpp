// SPDX-License-Identifier: GPL-2.0-or-later
// How the supervisor starts its coroutines. Expected failures travel as Status; an exception that
// escapes a coroutine is a bug. asio::detached would drop it silently; rethrowing would end the
// supervisor of every container. It is logged (stderr: the console, or supervisor.log when
// detached) with the task's name, and the loop goes on.
#pragma once

#include <cstdio>
#include <exception>

namespace srcompose::supervisor {

struct LogEscapedException {
  const char* task;
  void operator()(const std::exception_ptr& escaped) const {
    if (!escaped) return;
    try {
      std::rethrow_exception(escaped);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "srcompose: internal error in %s: %s\n", task, error.what());
    } catch (...) {
      std::fprintf(stderr, "srcompose: internal error in %s: unknown exception\n", task);
    }
  }
};

// The completion handler for co_spawn: asio::co_spawn(io, task(), log_escaped("task")).
inline LogEscapedException log_escaped(const char* task) {
  return {task};
}

}  // namespace srcompose::supervisor
