// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/seccomp_cache.hpp"

namespace srcompose::supervisor {

Result<std::shared_ptr<const security::CompiledSeccomp>> SeccompCache::get(
    const plan::SecurityPlan& plan) {
  // What compile_seccomp reads of the plan: the mode, the capabilities (the default profile allows
  // some calls by capability) and the profile file.
  std::string key = std::to_string(static_cast<int>(plan.seccomp)) + ":" +
                    std::to_string(plan.capabilities) + ":" + plan.seccomp_profile.string();
  if (auto found = compiled_.find(key); found != compiled_.end()) return found->second;
  auto filter = security::compile_seccomp(plan);
  if (!filter) return std::move(filter).error();
  auto shared = std::make_shared<const security::CompiledSeccomp>(std::move(*filter));
  compiled_.emplace(std::move(key), shared);
  return shared;
}

void SeccompCache::adopt(SeccompCache&& other) {
  compiled_.merge(other.compiled_);
}

}  // namespace srcompose::supervisor
