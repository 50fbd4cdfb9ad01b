// SPDX-License-Identifier: GPL-2.0-or-later
// `extends = "NAME"` (issue 14): a container takes every key of another container or of a
// [templates.NAME] table that it does not set itself, tables merged key by key. Resolved on the
// parsed document before any container is read, so that every check sees the merged table; the
// copied values keep their own source positions, so a mistake in a template is reported where the
// template says it.
#include <algorithm>
#include <map>
#include <vector>

#include "spec/loader.hpp"
#include "spec/values.hpp"

namespace srcompose::spec::detail {
namespace {

struct Definition {
  toml::table* table = nullptr;
  std::string path;  // "containers.web" or "templates.base"
  enum class Mark { unvisited, resolving, done } mark = Mark::unvisited;
};

// Adds to `into` what it lacks of `from` (but `skip`); a table both have is merged the same way,
// one level down. Anything else `into` has (an array, a value) wins as a whole.
void merge_missing(Reader& reader, toml::table& into, const toml::table& from,
                   std::string_view skip = {}) {
  for (const auto& [key, node] : from) {
    if (!skip.empty() && key.str() == skip) continue;
    toml::node* existing = into.get(key.str());
    if (existing == nullptr) {
      into.insert(key, node);
      reader.copied(*into.get(key.str()), node);
    } else if (existing->is_table() && node.is_table()) {
      merge_missing(reader, *existing->as_table(), *node.as_table());
    }
  }
}

class Resolver {
 public:
  Resolver(Reader& reader, std::map<std::string, Definition, std::less<>>& containers,
           std::map<std::string, Definition, std::less<>>& templates)
      : reader_(reader), containers_(containers), templates_(templates) {}

  void resolve(Definition& definition) {
    if (definition.mark != Definition::Mark::unvisited) return;
    definition.mark = Definition::Mark::resolving;
    chain_.push_back(&definition);
    if (Definition* base = base_of(definition)) {
      if (base->mark == Definition::Mark::resolving) {
        report_cycle(definition, *base);
      } else {
        resolve(*base);
        // The base's own `extends` is already applied to it: only its keys come over.
        merge_missing(reader_, *definition.table, *base->table, "extends");
      }
    }
    chain_.pop_back();
    definition.mark = Definition::Mark::done;
  }

 private:
  Definition* base_of(const Definition& definition) {
    const toml::node* extends = definition.table->get("extends");
    if (extends == nullptr) return nullptr;
    const std::string path = definition.path + ".extends";
    auto name = reader_.string(*extends, path);
    if (!name) return nullptr;
    if (auto found = containers_.find(*name); found != containers_.end()) return &found->second;
    if (auto found = templates_.find(*name); found != templates_.end()) return &found->second;
    std::vector<std::string> names;
    for (const auto& [known, ignored] : containers_)
      names.push_back(known);
    for (const auto& [known, ignored] : templates_)
      names.push_back(known);
    std::string message = "found \"" + *name + "\": no such container or template";
    const std::string* best = nullptr;
    size_t best_distance = 0;
    for (const auto& known : names) {
      size_t distance = edit_distance(*name, known);
      if (best == nullptr || distance < best_distance) {
        best = &known;
        best_distance = distance;
      }
    }
    if (best != nullptr && best_distance <= std::max<size_t>(2, name->size() / 3))
      message += " (did you mean `" + *best + "`?)";
    reader_.error(*extends, path, message);
    return nullptr;
  }

  // Reported once, at the `extends` that closes the cycle.
  void report_cycle(const Definition& last, const Definition& first) {
    auto start = std::find(chain_.begin(), chain_.end(), &first);
    std::string cycle;
    for (auto it = start; it != chain_.end(); ++it)
      cycle += (*it)->path + " -> ";
    cycle += first.path;
    reader_.error(*last.table->get("extends"), last.path + ".extends",
                  "found a cycle of extends: " + cycle + "; expected a chain that ends");
  }

  Reader& reader_;
  std::map<std::string, Definition, std::less<>>& containers_;
  std::map<std::string, Definition, std::less<>>& templates_;
  std::vector<const Definition*> chain_;
};

std::map<std::string, Definition, std::less<>> definitions(toml::table& document,
                                                           std::string_view key) {
  std::map<std::string, Definition, std::less<>> found;
  toml::node* node = document.get(key);
  if (node == nullptr) return found;
  toml::table* tables = node->as_table();
  if (tables == nullptr) return found;  // reported by the reader of that key
  for (auto& [name, value] : *tables) {
    if (toml::table* table = value.as_table()) {
      found.emplace(std::string(name.str()),
                    Definition{table, join_key(join_key("", key), name.str())});
    }
  }
  return found;
}

}  // namespace

void resolve_extends(Reader& reader, toml::table& document) {
  if (const toml::node* templates = document.get("templates"))
    reader.table(*templates, "templates");
  auto containers = definitions(document, "containers");
  auto templates = definitions(document, "templates");
  for (const auto& [name, definition] : templates) {
    if (containers.contains(name)) {
      reader.error(reader.at(*definition.table), definition.path,
                   "found a template named like container " + name +
                       "; expected distinct names (extends = \"" + name + "\" must mean one)");
    }
  }
  Resolver resolver(reader, containers, templates);
  for (auto* group : {&templates, &containers}) {
    for (auto& [name, definition] : *group)
      resolver.resolve(definition);
  }
}

}  // namespace srcompose::spec::detail
