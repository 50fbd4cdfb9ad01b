// Cleanup of a project whose supervisor is gone (killed, crashed, machine state lost): everything
// is found from names that carry the project, so it works even without the state directory.
#pragma once

#include <filesystem>
#include <string>

#include "common/error.hpp"

namespace srcompose::supervisor {

// Kills every process in the project's cgroups and removes them, deletes its veths, bridges and
// nftables table and its writable layers (persistent ones kept). The state directory is the
// caller's (it holds the lock). Idempotent: on a project that is not up it does nothing and
// succeeds. Errors are collected; every step is tried.
Status clean_up_project(const std::string& project, const std::filesystem::path& storage_dir);

}  // namespace srcompose::supervisor
