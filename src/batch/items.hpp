// SPDX-License-Identifier: GPL-2.0-or-later
// What `srcompose batch` runs the lab for: the items (one per submission), read from a directory or
// a file, each with the project it runs as and the variables its instance's lab file sees. Pure
// except for listing a directory.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "spec/interpolate.hpp"

namespace srcompose::batch {

struct Item {
  std::string name;            // as found: the directory entry, the line, the first CSV field
  std::string key;             // sanitized and unique: OUT/<key>/ and the project's suffix
  std::filesystem::path path;  // ${ITEM_PATH}: absolute
  // ${ITEM}, ${ITEM_PATH}, ${ITEM_INDEX} (1-based, set by read_items) and, for a CSV file, every
  // column by its header name.
  spec::Variables variables;
};

// The items of `source`: a directory's entries (hidden ones skipped, sorted by name; ITEM_PATH is
// the entry), the rows of a file named *.csv (a header, then one row per item: the first field is
// the item, every column a variable named after its header), or else the lines of a file (one name
// per line; blank lines and lines starting with '#' skipped). For a file, ITEM_PATH is the item
// resolved against the file's directory. Keys are left empty (assign_keys gives them). Errors name
// the file and line: an empty item, a duplicate, a header that is no variable name, a row with the
// wrong number of fields, no item at all.
Result<std::vector<Item>> read_items(const std::filesystem::path& source);

// Pure parts of read_items, for tests. `names` come from a directory listing, in any order.
Result<std::vector<Item>> items_from_names(std::vector<std::string> names,
                                           const std::filesystem::path& directory);
Result<std::vector<Item>> items_from_csv(std::string_view text, const std::filesystem::path& file);
Result<std::vector<Item>> items_from_lines(std::string_view text,
                                           const std::filesystem::path& file);

// Gives every item a key: its name in lower case with every run of characters other than letters,
// digits and '_' made one '-', trimmed, cut so that "<project_prefix>-<key>" is a valid project
// name (spec::is_project_name, 63 characters), and made unique with "-2", "-3", ... Fails when the
// prefix leaves no room.
Status assign_keys(std::vector<Item>& items, std::string_view project_prefix);

// "<prefix>-<key>": the project an item's instance runs as.
std::string project_name(std::string_view prefix, const Item& item);

}  // namespace srcompose::batch
