// SPDX-License-Identifier: GPL-2.0-or-later
// [containers.NAME]: the keys of what it may do on the host (idmap, cap_add, cap_drop, seccomp).
#include <algorithm>
#include <array>

#include "security/capability_names.hpp"
#include "security/seccomp_profile.hpp"
#include "spec/loader.hpp"
#include "spec/values.hpp"

namespace srcompose::spec::detail {
namespace {

constexpr std::array<std::string_view, 2> kIdMapKeys{"uid", "gid"};

// Returns false when a range was reported (the map is then incomplete).
bool read_id_ranges(Reader& reader, const toml::node& node, std::string_view path,
                    std::vector<IdRange>& ranges, std::vector<SourceLocation>& locations) {
  const auto* array = reader.array(node, path);
  if (array == nullptr) return false;
  bool ok = !array->empty();
  if (array->empty()) {
    reader.error(node, std::string(path), "found an empty array; expected at least one range");
  }
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = (*array)[i];
    std::string key_path = join_index(path, i);
    auto text = reader.string(element, key_path);
    if (!text) continue;
    auto range = parse_id_range(*text);
    if (!range) {
      reader.error(element, key_path,
                   "found " + describe(element) + "; " + range.error().to_string());
      ok = false;
      continue;
    }
    // Mapping host root into the namespace makes the container's root own the host's files.
    if (range->outside == 0) {
      reader.error(
          element, key_path,
          "found " + describe(element) +
              ": maps host id 0 (root); expected ranges above 0, or idmap = \"host\" to run "
              "without a user namespace");
      ok = false;
      continue;
    }
    // The kernel refuses a map whose ranges overlap on either side (user_namespaces(7)).
    bool overlaps = std::any_of(ranges.begin(), ranges.end(), [&](const IdRange& other) {
      auto overlap = [](uint64_t a, uint64_t b, uint64_t count_a, uint64_t count_b) {
        return a < b + count_b && b < a + count_a;
      };
      return overlap(range->inside, other.inside, range->count, other.count) ||
             overlap(range->outside, other.outside, range->count, other.count);
    });
    if (overlaps) {
      reader.error(element, key_path,
                   "found " + describe(element) +
                       ": overlaps an earlier range of this map; expected "
                       "disjoint ranges");
      ok = false;
      continue;
    }
    ranges.push_back(*range);
    locations.push_back(reader.at(element));
  }
  return ok;
}

// The profile file is read and checked here, once: `config` then refuses a profile `up` would,
// and planning selects its rules from the text without touching the file again.
void read_seccomp_profile(LoadContext& context, const toml::node& node, std::string_view path,
                          Container& container) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(container.seccomp_profile, ec)) {
    context.reader.error(node, std::string(path),
                         "found " + describe(node) +
                             ": no such file (relative to the lab file); expected \"default\", "
                             "\"unconfined\" or a profile file");
    return;
  }
  auto text = security::read_seccomp_profile_file(container.seccomp_profile);
  Status checked = text ? security::check_seccomp_profile(*text) : Status(text.error());
  if (!checked) {
    context.reader.error(node, std::string(path),
                         "seccomp profile " + container.seccomp_profile.string() + ": " +
                             checked.error().to_string());
    return;
  }
  container.seccomp_profile_json = std::move(*text);
}

}  // namespace

void read_idmap(LoadContext& context, const toml::node& node, std::string_view path, IdMap& idmap,
                ContainerSource& source) {
  Reader& reader = context.reader;
  source.idmap = reader.at(node);
  if (const auto* text = node.as_string()) {
    if (text->get() == "host") {
      idmap.mode = IdMapMode::host;
    } else if (text->get() == "auto") {
      idmap.mode = IdMapMode::automatic;
    } else {
      reader.error(node, std::string(path),
                   "found " + describe(node) +
                       "; expected \"auto\", \"host\" or a table { uid = [...], gid = [...] }");
    }
    return;
  }
  const auto* table = reader.table_or_error(
      node, path, "expected \"auto\", \"host\" or a table { uid = [...], gid = [...] }");
  if (table == nullptr) return;
  reader.check_keys(*table, path, kIdMapKeys);
  idmap.mode = IdMapMode::explicit_ranges;
  const toml::node* uid = table->get("uid");
  const toml::node* gid = table->get("gid");
  if (uid == nullptr && gid == nullptr) {
    reader.error(node, std::string(path), "found no `uid` or `gid`; expected at least `uid`");
    source.idmap_valid = false;
    return;
  }
  if (uid && !read_id_ranges(reader, *uid, join_key(path, "uid"), idmap.uid, source.uid_ranges)) {
    source.idmap_valid = false;
  }
  if (gid && !read_id_ranges(reader, *gid, join_key(path, "gid"), idmap.gid, source.gid_ranges)) {
    source.idmap_valid = false;
  }
  // One list given: the other defaults to it, as most labs map both the same way.
  if (uid == nullptr) {
    idmap.uid = idmap.gid;
    source.uid_ranges = source.gid_ranges;
  }
  if (gid == nullptr) {
    idmap.gid = idmap.uid;
    source.gid_ranges = source.uid_ranges;
  }
}

// cap_add / cap_drop: names normalized to "NET_ADMIN"; "ALL" allowed.
std::vector<std::string> read_capabilities(Reader& reader, const toml::node& node,
                                           std::string_view path) {
  std::vector<std::string> names;
  const auto* array = reader.array(node, path);
  if (array == nullptr) return names;
  for (size_t i = 0; i < array->size(); ++i) {
    std::string key_path = join_index(path, i);
    auto text = reader.string((*array)[i], key_path);
    if (!text) continue;
    std::string name;
    if (security::is_all_capabilities(*text)) {
      name = "ALL";
    } else if (auto number = security::capability_number(*text)) {
      name = std::string(security::capability_name(*number));
    } else {
      reader.error((*array)[i], key_path,
                   "found " + describe((*array)[i]) +
                       "; expected a capability name such as \"NET_ADMIN\" or \"CAP_SYS_TIME\", or "
                       "\"ALL\"");
      continue;
    }
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

void read_seccomp(LoadContext& context, const toml::node& node, std::string_view path,
                  Container& container) {
  auto text = context.reader.string(node, path);
  if (!text) return;
  if (*text == "default") {
    container.seccomp = SeccompMode::default_profile;
  } else if (*text == "unconfined") {
    container.seccomp = SeccompMode::unconfined;
  } else {
    container.seccomp = SeccompMode::profile_file;
    container.seccomp_profile = (context.directory / *text).lexically_normal();
    read_seccomp_profile(context, node, path, container);
  }
}

}  // namespace srcompose::spec::detail
