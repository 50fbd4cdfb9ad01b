// SPDX-License-Identifier: GPL-2.0-or-later
// Parts of a plan that the containers of a lab hold alike (the default mounts, the seccomp rules,
// the lab's host names), kept once: a supervisor of 200 containers held 200 copies of each, about
// 20 kB per container (issue 16).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace srcompose::plan {

// An immutable T that copies of a plan share. Reads like a `const T`: it converts to `const T&`,
// and containers iterate and index as the T they hold. A plan is never edited, so the value is
// never changed in place: a new value is assigned whole.
template <class T>
class Shared {
 public:
  Shared() = default;
  // NOLINTNEXTLINE(google-explicit-constructor): a plan's part is assigned its value as before.
  Shared(T value) : value_(std::make_shared<const T>(std::move(value))) {}
  template <class Element>
  requires std::is_constructible_v<T, std::initializer_list<Element>> Shared(
      std::initializer_list<Element> elements)
      : Shared(T(elements)) {}

  const T& get() const { return value_ ? *value_ : empty_value(); }
  // NOLINTNEXTLINE(google-explicit-constructor)
  operator const T&() const { return get(); }
  const T& operator*() const { return get(); }
  const T* operator->() const { return &get(); }

  auto begin() const { return get().begin(); }
  auto end() const { return get().end(); }
  size_t size() const { return get().size(); }
  bool empty() const { return get().empty(); }
  decltype(auto) operator[](size_t index) const { return get()[index]; }
  decltype(auto) front() const { return get().front(); }
  decltype(auto) back() const { return get().back(); }

  // Whether both hold the same object (not merely equal values).
  bool same_object(const Shared& other) const { return value_ == other.value_; }
  friend bool operator==(const Shared& a, const Shared& b) { return a.get() == b.get(); }

 private:
  static const T& empty_value() {
    static const T value{};
    return value;
  }

  std::shared_ptr<const T> value_;
};

// Gives plans that are alike one copy of a part: `intern` returns an earlier value equal to
// `value` when there is one. Only the last kRemembered distinct values are compared, so a lab
// whose containers all differ (each its own mounts) plans in linear time; the containers of a lab
// that are alike are mostly written one after another.
template <class T>
class Interner {
 public:
  Shared<T> intern(Shared<T> value) {
    for (const auto& seen : seen_) {
      if (seen == value) return seen;
    }
    if (seen_.size() == kRemembered) seen_.erase(seen_.begin());
    seen_.push_back(value);
    return value;
  }

 private:
  static constexpr size_t kRemembered = 16;
  std::vector<Shared<T>> seen_;
};

}  // namespace srcompose::plan
