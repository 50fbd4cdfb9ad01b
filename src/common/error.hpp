// SPDX-License-Identifier: GPL-2.0-or-later
// The one error vocabulary of srcompose.
//
// A failing operation returns an Error that names the operation, its arguments or path, and the
// errno (or a message); callers add context on the way up ("container web", "start") and the error
// is logged once, where the decision is made. Rendered: "container web: start: mount /data: No such
// file or directory". Expected failures travel as Result<T>; exceptions are reserved for
// programming errors and for the CLI's top level.
#pragma once

#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace srcompose {

class Error {
 public:
  // A failed system call or library call: `operation` names the call and its arguments
  // ("mount /data", "setresuid(0)"); `error_number` is the errno value (positive).
  static Error from_errno(std::string operation, int error_number);
  // Same, reading errno now. Call immediately after the failing call.
  static Error last_errno(std::string operation) { return from_errno(std::move(operation), errno); }
  // A failure with no errno: a bad value, a protocol violation, a refused request.
  static Error message(std::string text);

  // Adds an outer context; the outermost is printed first. Returns *this for chaining.
  Error& context(std::string outer) &;
  Error&& context(std::string outer) &&;

  // errno of the innermost failed call, or 0 when the error carries only a message.
  int error_number() const { return error_number_; }
  // The full one-line text: contexts, operation, and strerror or the message.
  std::string to_string() const;

 private:
  std::vector<std::string> contexts_;  // innermost last
  std::string operation_;
  int error_number_ = 0;
};

// Result<T>: a value or an Error. A small stand-in for std::expected (C++23), which g++ 12 does not
// offer in C++20 mode.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  Error& error() & { return std::get<1>(state_); }
  const Error& error() const& { return std::get<1>(state_); }
  Error&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  Error& error() & { return error_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_ = Error::message("");
  bool failed_ = false;
};

using Status = Result<void>;

// For steps that must all be tried however the earlier ones went (a teardown, a crash cleanup):
// each step's Status is kept, and the first failure is what the whole reports.
class FirstError {
 public:
  // Keeps `status`'s error, with `context` added when it is not empty, unless one is kept already.
  void keep(Status status, std::string_view context = {});
  bool failed() const { return first_.has_value(); }
  // Success when no step failed, else the first failure with `context` added when not empty.
  Status status(std::string_view context = {}) &&;

 private:
  std::optional<Error> first_;
};

}  // namespace srcompose
