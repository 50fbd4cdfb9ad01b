// SPDX-License-Identifier: GPL-2.0-or-later
// Internal to the loader: typed access to a parsed TOML document that records a Diagnostic for
// every mistake instead of stopping at the first, and recovers file order (toml::table iterates
// sorted by key, but eth0/eth1 order, start-order ties and picked addresses follow the file).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <toml++/toml.h>

#include "spec/load.hpp"

namespace srcompose::spec::detail {

struct Entry {
  const toml::key* key = nullptr;
  const toml::node* node = nullptr;
};

// "an integer (5)", "a table", "a string (\"x\")": the found half of a message.
std::string describe(const toml::node& node);
// "containers" + "web" -> "containers.web"; keys that are not bare TOML keys are quoted.
std::string join_key(std::string_view path, std::string_view key);
std::string join_index(std::string_view path, size_t index);  // "ports" + 1 -> "ports[1]"

class Reader {
 public:
  explicit Reader(std::string file_label) : file_(std::move(file_label)) {}

  const std::string& file() const { return file_; }
  SourceLocation at(const toml::source_region& region) const;
  SourceLocation at(const toml::node& node) const;
  SourceLocation at(const toml::key& key) const { return at(key.source()); }

  void error(SourceLocation where, std::string key_path, std::string message);
  void error(const toml::node& node, std::string key_path, std::string message) {
    error(at(node), std::move(key_path), std::move(message));
  }

  // `copy` (with everything in it) was copied from `original` (extends): toml++ copies values
  // without their source positions, so the reader keeps them and reports the copy where the
  // original is written.
  void copied(const toml::node& copy, const toml::node& original);

  // The entries of `table` ordered by where their keys first appear in the file.
  static std::vector<Entry> in_file_order(const toml::table& table);
  // Reports each key of `table` that is not in `allowed`, suggesting the nearest allowed key.
  void check_keys(const toml::table& table, std::string_view path,
                  std::span<const std::string_view> allowed);

  // Typed reads. On a type mismatch they report "found X; expected Y" and return nothing.
  std::optional<std::string> string(const toml::node& node, std::string_view path);
  std::optional<bool> boolean(const toml::node& node, std::string_view path);
  std::optional<int64_t> integer(const toml::node& node, std::string_view path);
  // An integer within [min, max].
  std::optional<int64_t> integer_in(const toml::node& node, std::string_view path, int64_t min,
                                    int64_t max);
  const toml::table* table(const toml::node& node, std::string_view path);
  // The same where a table is one of several forms: "found X; " + `expected` otherwise.
  const toml::table* table_or_error(const toml::node& node, std::string_view path,
                                    std::string_view expected);
  // A table whose keys are then checked against `allowed` (check_keys): a sub-table of the file.
  const toml::table* table(const toml::node& node, std::string_view path,
                           std::span<const std::string_view> allowed);
  const toml::array* array(const toml::node& node, std::string_view path);
  // An array of strings; each bad element is reported on its own.
  std::optional<std::vector<std::string>> strings(const toml::node& node, std::string_view path);
  // A "command" form: an array of strings, or a string run as ["/bin/sh", "-c", string].
  std::optional<std::vector<std::string>> command(const toml::node& node, std::string_view path);

  std::vector<Diagnostic> take_sorted();
  bool has_errors() const { return !diagnostics_.empty(); }

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
  std::unordered_map<const toml::node*, SourceLocation> copied_from_;
};

}  // namespace srcompose::spec::detail
