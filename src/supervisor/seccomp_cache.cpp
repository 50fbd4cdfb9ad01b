// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/seccomp_cache.hpp"

#include "supervisor/baked_seccomp.hpp"

namespace srcompose::supervisor {

namespace {

// The program baked at build time when `plan`'s rules are the ones it was compiled from.
std::shared_ptr<const security::CompiledSeccomp> baked_filter_for(const plan::SecurityPlan& plan) {
  if (plan.seccomp != spec::SeccompMode::default_profile) return nullptr;
  const auto baked = baked_default_filter();
  if (baked.empty() || *plan.seccomp_rules != baked_default_profile()) return nullptr;
  return std::make_shared<const security::CompiledSeccomp>(
      security::CompiledSeccomp{std::vector<sock_filter>(baked.begin(), baked.end())});
}

}  // namespace

Result<std::shared_ptr<const security::CompiledSeccomp>> SeccompCache::get(
    const plan::SecurityPlan& plan) {
  // What compile_seccomp reads of the plan: the mode, the capabilities (the default profile allows
  // some calls by capability) and the profile file.
  std::string key = std::to_string(static_cast<int>(plan.seccomp)) + ":" +
                    std::to_string(plan.capabilities) + ":" + plan.seccomp_profile.string();
  if (auto found = compiled_.find(key); found != compiled_.end()) return found->second;
  if (auto baked = baked_filter_for(plan)) {
    compiled_.emplace(std::move(key), baked);
    return baked;
  }
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
