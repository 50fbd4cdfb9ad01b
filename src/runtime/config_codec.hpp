// SPDX-License-Identifier: GPL-2.0-or-later
// A ChildConfig as bytes, for the launcher (runtime/launcher.hpp): the supervisor builds the
// config, the launcher process clones the container from its own copy. Pointers travel as the
// strings they point to; the decoded config points into its own storage.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "runtime/child_config.hpp"
#include "security/seccomp.hpp"

namespace srcompose::runtime {

// A decoded config with what it points to: `config.workload.seccomp` points at `seccomp` (or is
// null), so the pair never moves once made.
struct DecodedChildConfig {
  ChildConfig config;
  security::CompiledSeccomp seccomp;
};

std::string encode_child_config(const ChildConfig& config);

// Bytes from encode_child_config of the same build (the launcher is the same binary as its
// supervisor). Anything else is refused as malformed, never read past its end.
Result<std::unique_ptr<DecodedChildConfig>> decode_child_config(std::string_view bytes);

}  // namespace srcompose::runtime
