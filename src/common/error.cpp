// SPDX-License-Identifier: GPL-2.0-or-later
#include "common/error.hpp"

#include <cstring>

namespace srcompose {

Error Error::from_errno(std::string operation, int error_number) {
  Error error;
  error.operation_ = std::move(operation);
  error.error_number_ = error_number;
  return error;
}

Error Error::message(std::string text) {
  Error error;
  error.operation_ = std::move(text);
  return error;
}

Error& Error::context(std::string outer) & {
  contexts_.push_back(std::move(outer));
  return *this;
}

Error&& Error::context(std::string outer) && {
  contexts_.push_back(std::move(outer));
  return std::move(*this);
}

std::string Error::to_string() const {
  std::string text;
  for (auto it = contexts_.rbegin(); it != contexts_.rend(); ++it) {
    text += *it;
    text += ": ";
  }
  text += operation_;
  if (error_number_ != 0) {
    text += ": ";
    text += std::strerror(error_number_);
  }
  return text;
}

void FirstError::keep(Status status, std::string_view context) {
  if (status || first_) return;
  first_ = std::move(status).error();
  if (!context.empty()) first_->context(std::string(context));
}

Status FirstError::status(std::string_view context) && {
  if (!first_) return {};
  if (!context.empty()) first_->context(std::string(context));
  return std::move(*first_);
}

}  // namespace srcompose
