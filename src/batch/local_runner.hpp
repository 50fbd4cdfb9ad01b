// SPDX-License-Identifier: GPL-2.0-or-later
// The local batch: N instances at a time on this host, each `srcompose run` in a process group of
// its own with its output in OUT/<key>/run.out, waited for through pidfds on one Asio loop.
#pragma once

#include <vector>

#include "batch/batch.hpp"

namespace srcompose::batch {

struct LocalRun {
  bool interrupted = false;  // SIGINT or SIGTERM came: the rest was not started
  int signal = 0;            // the first such signal
};

// Runs the items `to_run` (indexes into setup.items) `setup.jobs` at a time with `executable`
// (/proc/self/exe: this very binary). Before an item starts its OUT/<key>/ is emptied; when its
// instance ends on its own, OUT/<key>/done.json is written. A first SIGINT or SIGTERM starts no
// more items and passes the signal to every running instance, which tears its lab down (a second
// one passes on too: the instances then kill their containers at once, and still remove
// everything); the batch returns once every instance has exited, leaving no done.json for them.
// `already_done` counts the items skipped as complete, for the progress line.
LocalRun run_local(const BatchSetup& setup, const std::vector<size_t>& to_run, size_t already_done,
                   const std::string& executable, bool terminal);

}  // namespace srcompose::batch
