// SPDX-License-Identifier: GPL-2.0-or-later
#include "rootfs/passwd.hpp"

#include <algorithm>
#include <charconv>

namespace srcompose::rootfs {
namespace {

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> fields;
  while (true) {
    size_t at = text.find(separator);
    fields.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return fields;
    text.remove_prefix(at + 1);
  }
}

// A decimal id; (uid_t)-1 is "no id" for the kernel and never valid.
std::optional<uint32_t> parse_id(std::string_view text) {
  uint32_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value == UINT32_MAX) {
    return std::nullopt;
  }
  return value;
}

template <class Handle>
void for_each_line(std::string_view text, Handle handle) {
  for (auto line : split(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') continue;
    handle(line);
  }
}

}  // namespace

std::vector<PasswdEntry> parse_passwd(std::string_view text) {
  std::vector<PasswdEntry> entries;
  for_each_line(text, [&](std::string_view line) {
    auto fields = split(line, ':');  // name:password:uid:gid:gecos:home:shell
    if (fields.size() != 7 || fields[0].empty()) return;
    auto uid = parse_id(fields[2]);
    auto gid = parse_id(fields[3]);
    if (!uid || !gid) return;
    entries.push_back({std::string(fields[0]), *uid, *gid, std::string(fields[5])});
  });
  return entries;
}

std::vector<GroupEntry> parse_group(std::string_view text) {
  std::vector<GroupEntry> entries;
  for_each_line(text, [&](std::string_view line) {
    auto fields = split(line, ':');  // name:password:gid:member,member
    if (fields.size() != 4 || fields[0].empty()) return;
    auto gid = parse_id(fields[2]);
    if (!gid) return;
    GroupEntry entry{std::string(fields[0]), *gid, {}};
    if (!fields[3].empty()) {
      for (auto member : split(fields[3], ',')) {
        if (!member.empty()) entry.members.emplace_back(member);
      }
    }
    entries.push_back(std::move(entry));
  });
  return entries;
}

namespace {

// The user part: a number (whose passwd entry, if any, gives the group and home) or a name that
// must be in passwd. Sets uid, gid and home; returns the entry found.
Result<const PasswdEntry*> resolve_user_part(std::string_view user_part,
                                             const std::vector<PasswdEntry>& users, bool has_passwd,
                                             ResolvedUser& resolved) {
  const PasswdEntry* entry = nullptr;
  if (auto uid = parse_id(user_part)) {
    resolved.uid = *uid;
    auto found = std::find_if(users.begin(), users.end(),
                              [&](const PasswdEntry& user) { return user.uid == *uid; });
    if (found != users.end()) entry = &*found;
  } else {
    auto found = std::find_if(users.begin(), users.end(),
                              [&](const PasswdEntry& user) { return user.name == user_part; });
    if (found == users.end()) {
      return Error::message("user \"" + std::string(user_part) + "\" not found in /etc/passwd" +
                            (has_passwd ? "" : " (the image has no /etc/passwd)"));
    }
    entry = &*found;
    resolved.uid = entry->uid;
  }
  if (entry) {
    resolved.gid = entry->gid;
    if (!entry->home.empty()) resolved.home = entry->home;
  }
  return entry;
}

// The group part: a number or a name that must be in group.
Result<uint32_t> resolve_group_part(std::string_view group_part,
                                    const std::vector<GroupEntry>& groups, bool has_group) {
  if (auto gid = parse_id(group_part)) return *gid;
  auto found = std::find_if(groups.begin(), groups.end(),
                            [&](const GroupEntry& g) { return g.name == group_part; });
  if (found == groups.end()) {
    return Error::message("group \"" + std::string(group_part) + "\" not found in /etc/group" +
                          (has_group ? "" : " (the image has no /etc/group)"));
  }
  return found->gid;
}

// The groups that list the user as a member, each once.
std::vector<uint32_t> supplementary_groups_of(const std::string& user,
                                              const std::vector<GroupEntry>& groups) {
  std::vector<uint32_t> gids;
  for (const auto& g : groups) {
    bool member = std::find(g.members.begin(), g.members.end(), user) != g.members.end();
    bool seen = std::find(gids.begin(), gids.end(), g.gid) != gids.end();
    if (member && !seen) gids.push_back(g.gid);
  }
  return gids;
}

}  // namespace

Result<ResolvedUser> resolve_user_in(std::string_view spec, std::optional<std::string_view> passwd,
                                     std::optional<std::string_view> group) {
  size_t colon = spec.find(':');
  std::string_view user_part = spec.substr(0, colon);
  std::optional<std::string_view> group_part;
  if (colon != std::string_view::npos) group_part = spec.substr(colon + 1);
  if (user_part.empty() || (group_part && group_part->empty())) {
    return Error::message("user \"" + std::string(spec) + "\": expected user[:group]");
  }
  auto users = passwd ? parse_passwd(*passwd) : std::vector<PasswdEntry>{};
  auto groups = group ? parse_group(*group) : std::vector<GroupEntry>{};

  ResolvedUser resolved;
  resolved.home = "/";
  auto entry = resolve_user_part(user_part, users, passwd.has_value(), resolved);
  if (!entry) return std::move(entry).error();
  if (group_part) {
    auto gid = resolve_group_part(*group_part, groups, group.has_value());
    if (!gid) return std::move(gid).error();
    resolved.gid = *gid;
  }
  if (*entry) resolved.supplementary_groups = supplementary_groups_of((*entry)->name, groups);
  return resolved;
}

}  // namespace srcompose::rootfs
