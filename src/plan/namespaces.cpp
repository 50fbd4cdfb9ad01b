// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/namespaces.hpp"

namespace srcompose::plan {

NamespaceSet plan_namespaces(const spec::Container& container) {
  NamespaceSet set;
  set.user = container.idmap.mode != spec::IdMapMode::host;
  set.time = container.time_offsets.has_value();
  return set;
}

}  // namespace srcompose::plan
