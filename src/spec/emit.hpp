// SPDX-License-Identifier: GPL-2.0-or-later
// The normalized lab as text: every default filled in, units in their canonical form, relative
// paths made absolute. Used by `srcompose config`. Pure.
#pragma once

#include <string>

#include "spec/lab.hpp"

namespace srcompose::spec {

// TOML that load_lab_text accepts again and that loads to the same lab (sources aside): containers,
// networks and each container's networks in the original order; picked addresses written out.
// A container without `command` keeps it omitted (it runs the rootfs's /bin/sh).
std::string to_toml(const Lab& lab);

// The same content as JSON. Ordered collections become arrays of objects with a "name" key
// (`containers`, `networks`), a container's `networks` an array of {network, ipv4, ipv4_static},
// and `depends_on` an array of {container, condition}.
std::string to_json(const Lab& lab);

}  // namespace srcompose::spec
