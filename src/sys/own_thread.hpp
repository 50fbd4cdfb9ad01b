// SPDX-License-Identifier: GPL-2.0-or-later
// A step that must move its thread into another namespace (setns, unshare) runs on a thread of its
// own that ends right after, so that none of the supervisor's threads ever runs in a container's
// namespace or a private mount namespace, even when the step fails halfway.
#pragma once

#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "common/error.hpp"

namespace srcompose::sys {

// Runs `step` (returning a Result or a Status) on a new thread, waits for it and returns what it
// returned. A thread that cannot be made is an error naming `what` (no exception leaves here).
template <class Step>
auto on_own_thread(const std::string& what, Step step) -> decltype(step()) {
  std::optional<decltype(step())> result;
  try {
    std::thread worker([&] { result.emplace(step()); });
    worker.join();
  } catch (const std::system_error& error) {
    return Error::from_errno("std::thread (for " + what + ")", error.code().value());
  }
  return std::move(*result);
}

}  // namespace srcompose::sys
