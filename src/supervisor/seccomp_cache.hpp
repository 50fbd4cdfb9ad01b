// SPDX-License-Identifier: GPL-2.0-or-later
// SeccompCache: one compiled filter per distinct security plan of a lab. Compiling the default
// profile for three ABIs takes libseccomp about half a millisecond, once per container start
// before; the containers of a lab mostly share one plan, so a lab of 200 compiles it once and its
// containers share one program (memory stays flat too). A cache is used by one thread at a time:
// the lab's is the loop's, and a lab's start fills one on the blocking pool that the loop then
// adopts (LabSupervisor::compile_seccomp_filters).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/error.hpp"
#include "plan/security.hpp"
#include "security/seccomp.hpp"

namespace srcompose::supervisor {

class SeccompCache {
 public:
  // The filter of `plan`, compiled at its first request (a profile file is read then).
  Result<std::shared_ptr<const security::CompiledSeccomp>> get(const plan::SecurityPlan& plan);
  // Takes the filters `other` compiled that this one has not.
  void adopt(SeccompCache&& other);

 private:
  std::map<std::string, std::shared_ptr<const security::CompiledSeccomp>> compiled_;
};

}  // namespace srcompose::supervisor
