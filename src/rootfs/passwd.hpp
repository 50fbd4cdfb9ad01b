// SPDX-License-Identifier: GPL-2.0-or-later
// /etc/passwd and /etc/group parsing, done by srcompose itself (never NSS: it would load code from
// the container into the host). Pure functions over the files' text.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "rootfs/prepare.hpp"

namespace srcompose::rootfs {

struct PasswdEntry {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
};

struct GroupEntry {
  std::string name;
  gid_t gid = 0;
  std::vector<std::string> members;
};

// Lines that are not well formed (wrong field count, non-numeric or out-of-range ids, comments,
// NIS "+"/"-" entries) are skipped, as libc does.
std::vector<PasswdEntry> parse_passwd(std::string_view text);
std::vector<GroupEntry> parse_group(std::string_view text);

// Resolves `spec` ("uid", "uid:gid", "name", "name:group", mixed) against the texts of passwd and
// group; nullopt means the file does not exist. Numeric ids need no entry (gid defaults to the
// passwd entry's group, else 0; home to "/"); a name that is not found is an error. Supplementary
// groups: every group listing the user's name, in file order, without duplicates.
Result<ResolvedUser> resolve_user_in(std::string_view spec, std::optional<std::string_view> passwd,
                                     std::optional<std::string_view> group);

}  // namespace srcompose::rootfs
