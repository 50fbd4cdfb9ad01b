// SPDX-License-Identifier: GPL-2.0-or-later
// The host-wide registries of the state root (id-ranges, subnets): small text files that every
// `up` and `down` of one srcompose installation shares, each read and rewritten whole under an
// flock of the file itself. A project's lines count while the project is up, that is while its
// state directory exists beneath the root: a lab whose state was lost holds nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "supervisor/state_dir.hpp"

namespace srcompose::supervisor {

// A registry file, opened beneath the state root's fd (never through a symlink) and locked.
class LockedRegistry {
 public:
  // `name` is a file name in the state root. `create`: the root and the file are made when
  // missing; else a missing one gives an empty registry (`exists()` false). `exclusive`: LOCK_EX
  // (to rewrite it), else LOCK_SH. Blocks while another holder is in: a few reads and writes,
  // never a long wait.
  static Result<LockedRegistry> lock(const StatePaths& paths, std::string_view name, bool create,
                                     bool exclusive = true);

  bool exists() const { return static_cast<bool>(file_); }
  // The lines of the file (none when absent).
  Result<std::vector<std::string>> read_lines() const;
  // Replaces the whole text.
  Status write(std::string_view text) const;
  // The lines that `parse` (std::optional<Entry>(const std::string& line)) accepts; the others are
  // dropped: a registry cut short by a crash costs at most a re-pick.
  template <class Parse>
  auto read_entries(Parse parse) const
      -> Result<std::vector<typename std::invoke_result_t<Parse, const std::string&>::value_type>>;
  // Replaces the whole text with one line per entry, `format(entry)` (without its newline).
  template <class Entry, class Format>
  Status write_entries(const std::vector<Entry>& entries, Format format) const;
  // The project has a state directory beneath the root: it is up (or coming up).
  bool project_is_up(const std::string& project) const;

 private:
  UniqueFd root_;
  UniqueFd file_;
  std::string path_;  // for messages
};

template <class Parse>
auto LockedRegistry::read_entries(Parse parse) const
    -> Result<std::vector<typename std::invoke_result_t<Parse, const std::string&>::value_type>> {
  auto lines = read_lines();
  if (!lines) return std::move(lines).error();
  std::vector<typename std::invoke_result_t<Parse, const std::string&>::value_type> entries;
  for (const auto& line : *lines) {
    if (auto entry = parse(line)) entries.push_back(std::move(*entry));
  }
  return entries;
}

template <class Entry, class Format>
Status LockedRegistry::write_entries(const std::vector<Entry>& entries, Format format) const {
  std::string text;
  for (const auto& entry : entries)
    text += format(entry) + "\n";
  return write(text);
}

}  // namespace srcompose::supervisor
