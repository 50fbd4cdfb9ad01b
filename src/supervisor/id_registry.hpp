// SPDX-License-Identifier: GPL-2.0-or-later
// The host-wide registry of user-namespace id ranges (issue 10 item 9). Automatic ranges come from
// a hash of the project and container names into 4096 slots: two labs can meet, and then their
// containers would share host uids (each could signal, ptrace or read the other's files). The
// registry, <state root>/id-ranges, lists the host ranges every lab that is up holds, one
// "PROJECT FIRST COUNT" line each, and is only read or written under an flock of the file. It lives
// in the state root because that is what one srcompose installation shares: every lab that is up
// has its state directory there, so a line whose project has none is stale (a lab whose state was
// lost) and is dropped.
#pragma once

#include "common/error.hpp"
#include "plan/lab_plan.hpp"
#include "supervisor/state_dir.hpp"

namespace srcompose::supervisor {

// Before anything of the lab exists, holding the registry's lock: plans `lab` with `inputs` and the
// ranges other labs hold as taken (plan::PlanInputs::taken_id_ranges), and records the plan's
// ranges in place of any this lab had. A lab nothing is in the way of keeps the ranges of its
// hash, so it gets the same host ids run after run.
Result<plan::LabPlan> plan_with_id_ranges(const StatePaths& paths, const spec::Lab& lab,
                                          plan::PlanInputs inputs);

// Drops the project's lines. Idempotent; a missing registry is fine.
Status release_id_ranges(const StatePaths& paths);

}  // namespace srcompose::supervisor
