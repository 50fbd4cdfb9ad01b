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
                            (passwd ? "" : " (the image has no /etc/passwd)"));
    }
    entry = &*found;
    resolved.uid = entry->uid;
  }
  if (entry) {
    resolved.gid = entry->gid;
    if (!entry->home.empty()) resolved.home = entry->home;
  }

  if (group_part) {
    if (auto gid = parse_id(*group_part)) {
      resolved.gid = *gid;
    } else {
      auto found = std::find_if(groups.begin(), groups.end(),
                                [&](const GroupEntry& g) { return g.name == *group_part; });
      if (found == groups.end()) {
        return Error::message("group \"" + std::string(*group_part) + "\" not found in /etc/group" +
                              (group ? "" : " (the image has no /etc/group)"));
      }
      resolved.gid = found->gid;
    }
  }

  if (entry) {
    for (const auto& g : groups) {
      bool member = std::find(g.members.begin(), g.members.end(), entry->name) != g.members.end();
      bool seen =
          std::find(resolved.supplementary_groups.begin(), resolved.supplementary_groups.end(),
                    g.gid) != resolved.supplementary_groups.end();
      if (member && !seen) resolved.supplementary_groups.push_back(g.gid);
    }
  }
  return resolved;
}

}  // namespace srcompose::rootfs
