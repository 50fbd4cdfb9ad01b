// SPDX-License-Identifier: GPL-2.0-or-later
// Loading a lab file: parse, validate everything, normalize. Pure: touches no kernel state; it may
// stat host paths that the file names (rootfs, bind sources, block devices) to check they exist.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "spec/interpolate.hpp"
#include "spec/lab.hpp"

namespace srcompose::spec {

// One mistake in a lab file. Rendered as "FILE:LINE:COLUMN: KEY.PATH: MESSAGE".
struct Diagnostic {
  SourceLocation location;
  std::string key_path;  // "containers.web.limits.memory"
  std::string message;   // what was found and what is expected; may end in "(did you mean ...?)"
  std::string to_string() const;
};

struct LoadOptions {
  std::string project_name;  // -p: overrides `name`
  // ${VAR} interpolation, as compose does it: `environment` (the process's, filled in by the CLI)
  // wins over the env files; of those, later files win. `env_files` (--env-file) replace the `.env`
  // beside the lab file, which is read only when no env file is given and `read_dot_env` is set.
  Variables environment;
  std::vector<std::filesystem::path> env_files;
  bool read_dot_env = true;
  // The subnets a running lab's `subnet = "auto"` networks hold (the host-wide registry's record),
  // given to them once the file has loaded (assign_auto_subnets). Empty for a lab not yet up.
  std::map<std::string, Cidr, std::less<>> auto_subnets;
  // Host facts used by validation; tests substitute fakes so the checks are deterministic.
  unsigned host_cpu_count = 0;  // 0: read from the host (/sys/devices/system/cpu/online)
};

struct LoadResult {
  std::optional<Lab> lab;               // set only when `diagnostics` is empty
  std::vector<Diagnostic> diagnostics;  // every mistake in the file, in file order
  // What loads but deserves a word: a variable used without a default that is not set.
  std::vector<Diagnostic> warnings;
};

// The rule for a project name (the lab file's `name`, or -p): it names host paths, cgroups and
// interfaces, so it can never be "..", "." or hold a '/'. Every command checks -p with it, with or
// without a lab file.
constexpr size_t kMaxProjectName = 63;
bool is_project_name(std::string_view name);
// "expected lowercase letters, ..." for error messages.
std::string project_name_rule();

LoadResult load_lab_file(const std::filesystem::path& file, const LoadOptions& options = {});
// For tests and `config` from stdin: `file_name` is used in locations and to resolve relative
// paths.
LoadResult load_lab_text(std::string_view text, const std::filesystem::path& file_name,
                         const LoadOptions& options = {});

}  // namespace srcompose::spec
