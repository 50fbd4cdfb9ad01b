// SPDX-License-Identifier: GPL-2.0-or-later
#include "batch/items.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "common/lines.hpp"
#include "spec/load.hpp"
#include "spec/values.hpp"
#include "supervisor/state_dir.hpp"

namespace srcompose::batch {
namespace {

std::string location(const std::filesystem::path& file, size_t line) {
  return file.string() + ":" + std::to_string(line);
}

Item make_item(std::string name, const std::filesystem::path& path) {
  Item item;
  item.name = std::move(name);
  item.path = path;
  item.variables["ITEM"] = item.name;
  item.variables["ITEM_PATH"] = path.string();
  return item;
}

// One CSV record (RFC 4180: fields in double quotes may hold commas, newlines and "" for a quote)
// starting at `position`, which moves past its line end. `lines` counts the newlines consumed.
Result<std::vector<std::string>> csv_record(std::string_view text, size_t& position,
                                            size_t& lines) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  while (position < text.size()) {
    char c = text[position++];
    if (quoted) {
      if (c == '"' && position < text.size() && text[position] == '"') {
        fields.back() += '"';
        ++position;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++lines;
        fields.back() += c;
      }
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      ++lines;
      break;
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  if (quoted) return Error::message("a quoted field is not closed");
  return fields;
}

Status check_unique(const std::vector<Item>& items, const std::vector<size_t>& lines,
                    const std::filesystem::path& file) {
  std::map<std::string_view, size_t> seen;
  for (size_t i = 0; i < items.size(); ++i) {
    auto [where, fresh] = seen.emplace(items[i].name, i);
    if (!fresh)
      return Error::message(location(file, lines[i]) + ": item \"" + items[i].name +
                            "\" again (first on line " + std::to_string(lines[where->second]) +
                            ")");
  }
  if (items.empty()) return Error::message(file.string() + ": no items");
  return {};
}

}  // namespace

Result<std::vector<Item>> items_from_names(std::vector<std::string> names,
                                           const std::filesystem::path& directory) {
  std::sort(names.begin(), names.end());
  std::vector<Item> items;
  for (auto& name : names) {
    if (name.empty() || name.front() == '.') continue;
    auto path = directory / name;
    items.push_back(make_item(std::move(name), path));
  }
  if (items.empty()) return Error::message(directory.string() + ": no items (an empty directory)");
  return items;
}

Result<std::vector<Item>> items_from_lines(std::string_view text,
                                           const std::filesystem::path& file) {
  std::vector<Item> items;
  std::vector<size_t> lines;
  size_t line_number = 0;
  for (std::string_view line : split_lines(text)) {
    ++line_number;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
      line.remove_suffix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
      line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    items.push_back(make_item(std::string(line), file.parent_path() / line));
    lines.push_back(line_number);
  }
  if (auto status = check_unique(items, lines, file); !status) return std::move(status).error();
  return items;
}

Result<std::vector<Item>> items_from_csv(std::string_view text, const std::filesystem::path& file) {
  size_t position = 0;
  size_t line = 1;
  auto header = csv_record(text, position, line);
  if (!header) return std::move(header).error().context(location(file, 1));
  std::set<std::string_view> names;
  for (const auto& name : *header) {
    if (!spec::is_variable_name(name))
      return Error::message(location(file, 1) + ": column \"" + name +
                            "\": a header names a variable: letters, digits and '_', not "
                            "starting with a digit");
    if (name == "ITEM" || name == "ITEM_PATH" || name == "ITEM_INDEX")
      return Error::message(location(file, 1) + ": column " + name +
                            ": srcompose batch sets this variable itself");
    if (!names.insert(name).second)
      return Error::message(location(file, 1) + ": column " + name + " twice");
  }
  std::vector<Item> items;
  std::vector<size_t> lines;
  while (position < text.size()) {
    size_t first_line = line;
    auto record = csv_record(text, position, line);
    if (!record) return std::move(record).error().context(location(file, first_line));
    if (record->size() == 1 && record->front().empty()) continue;  // a blank line
    if (record->size() != header->size())
      return Error::message(location(file, first_line) + ": " + std::to_string(record->size()) +
                            " fields, the header has " + std::to_string(header->size()));
    if (record->front().empty())
      return Error::message(location(file, first_line) + ": the item (first field) is empty");
    Item item = make_item(record->front(), file.parent_path() / record->front());
    for (size_t i = 0; i < header->size(); ++i)
      item.variables[(*header)[i]] = (*record)[i];
    items.push_back(std::move(item));
    lines.push_back(first_line);
  }
  if (auto status = check_unique(items, lines, file); !status) return std::move(status).error();
  return items;
}

Status assign_keys(std::vector<Item>& items, std::string_view project_prefix) {
  if (project_prefix.size() + 2 > spec::kMaxProjectName)
    return Error::message("project name \"" + std::string(project_prefix) +
                          "\" leaves no room for the item in \"<project>-<item>\" (63 characters)");
  const size_t room = spec::kMaxProjectName - project_prefix.size() - 1;
  std::set<std::string> taken;
  for (auto& item : items) {
    std::string key;
    for (char c : item.name) {
      auto lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (spec::is_name_text(std::string_view(&lower, 1), "_", /*lowercase=*/true)) {
        key += lower;
      } else if (!key.empty() && key.back() != '-') {
        key += '-';
      }
    }
    while (!key.empty() && (key.back() == '-' || key.back() == '_'))
      key.pop_back();
    if (key.empty()) key = "item";
    if (key.size() > room) key.resize(room);
    std::string unique = key;
    for (unsigned n = 2; taken.count(unique) != 0; ++n) {
      std::string suffix = "-" + std::to_string(n);
      unique = key.substr(0, std::min(key.size(), room - suffix.size())) + suffix;
    }
    taken.insert(unique);
    item.key = std::move(unique);
  }
  return {};
}

std::string project_name(std::string_view prefix, const Item& item) {
  return std::string(prefix) + "-" + item.key;
}

namespace {

// ${ITEM_INDEX}: the item's 1-based position in the batch (a port, a seed, a subnet octet).
Result<std::vector<Item>> numbered(Result<std::vector<Item>> items) {
  if (!items) return items;
  size_t index = 0;
  for (auto& item : *items)
    item.variables["ITEM_INDEX"] = std::to_string(++index);
  return items;
}

}  // namespace

Result<std::vector<Item>> read_items(const std::filesystem::path& source) {
  std::error_code error;
  auto absolute = std::filesystem::absolute(source, error);
  if (error) return Error::message("--items " + source.string() + ": " + error.message());
  if (std::filesystem::is_directory(absolute, error)) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(absolute, error))
      names.push_back(entry.path().filename().string());
    if (error) return Error::message("--items " + source.string() + ": " + error.message());
    return numbered(items_from_names(std::move(names), absolute));
  }
  auto text = supervisor::read_small_file(absolute, supervisor::Symlinks::follow);
  if (!text) return std::move(text).error().context("--items");
  std::string extension = absolute.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return numbered(extension == ".csv" ? items_from_csv(*text, absolute)
                                      : items_from_lines(*text, absolute));
}

}  // namespace srcompose::batch
