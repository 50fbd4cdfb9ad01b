// SPDX-License-Identifier: GPL-2.0-or-later
// The file descriptors srcompose found open when it started, beyond stdin, stdout and stderr: a
// shell's redirections, a `flock` lock, a CI runner's pipes. srcompose never uses them. A
// detached supervisor closes them, or it would hold its starter's lock or pipe open for as long
// as the lab runs (seen: a test lock held for 25 minutes).
#pragma once

namespace srcompose::sys {

// Called first thing in main(): notes the inherited descriptors and marks them close-on-exec so
// that no program srcompose starts receives them.
void note_inherited_fds();

// Closes the descriptors note_inherited_fds() found (those it could not know are left alone).
void close_inherited_fds();

}  // namespace srcompose::sys
