// SPDX-License-Identifier: GPL-2.0-or-later
// The normalized lab: the text whose digest is the lab's fingerprint. Pure.
#pragma once

#include <map>
#include <string>

#include "plan/lab_plan.hpp"
#include "spec/lab.hpp"

namespace srcompose::plan {

// Everything that decides the containers' environment, in one canonical text: the lab as `config`
// prints it (images, env, limits, hostnames, addresses, mounts, ...; every default filled in, keys
// in a fixed order) and, per container of `plan`, what the plan derives: its image's identity
// (`images`: container name -> rootfs::image_identity), its id ranges and interface MAC addresses.
// Two loads of the same file on the same host give the same text. Timestamps and pids never enter.
std::string normalized_lab(const spec::Lab& lab, const LabPlan& plan,
                           const std::map<std::string, std::string>& images);

}  // namespace srcompose::plan
