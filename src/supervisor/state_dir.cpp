#include "supervisor/state_dir.hpp"

#include <cstdlib>

namespace srcompose::supervisor {

std::filesystem::path state_root(const std::string& override_root) {
  if (!override_root.empty()) return override_root;
  if (const char* env = std::getenv("SRCOMPOSE_STATE_DIR"); env && *env) return env;
  return kDefaultStateRoot;
}

StatePaths state_paths(const std::filesystem::path& root, const std::string& project) {
  return StatePaths{root / project};
}

}  // namespace srcompose::supervisor
