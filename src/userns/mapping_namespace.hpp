// SPDX-License-Identifier: GPL-2.0-or-later
// A user namespace that holds nothing but an id mapping, for idmapped bind mounts: mount_setattr's
// MOUNT_ATTR_IDMAP takes its mapping from a user namespace fd.
#pragma once

#include <vector>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "spec/lab.hpp"

namespace srcompose::userns {

// Parent side, host root. Creates a user namespace with these maps and returns its fd; the process
// that carried it is killed and reaped before returning (the fd keeps the namespace alive). The
// child after clone only waits: it allocates and calls nothing. Errors name the clone or the map.
Result<UniqueFd> make_mapping_namespace(const std::vector<spec::IdRange>& uid_map,
                                        const std::vector<spec::IdRange>& gid_map);

}  // namespace srcompose::userns
