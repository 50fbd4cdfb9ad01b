// SPDX-License-Identifier: GPL-2.0-or-later
// CVE-2019-5736: a process that srcompose starts inside a container (the init, the workload before
// its execve, an exec or healthcheck process) is a fork of srcompose, so its /proc/self/exe is the
// srcompose binary. A workload whose command is a "#!/proc/self/exe" script makes the kernel run
// that binary inside the container; with idmap = "host" the container's root could then reopen it
// through /proc/PID/exe for writing once it exited, and every later `srcompose` run as root on the
// host would run the container's code.
//
// So no process that enters a container runs from the host's file: each is a fork of a process
// started from a read-only bind mount of the binary, cloned with open_tree(2) and never attached to
// any mount namespace. /proc/self/exe then names the file on that mount, where every open for
// writing fails with EROFS, and no path of any mount namespace leads to it. The supervisor forks
// nothing into a container (its launcher clones the inits and the exec helpers): only the launcher
// is started from that mount, the supervisor itself runs from the host's file and saves a second
// exec at every `up` and `run`. `srcompose exec` forks its helper itself: it re-executes from the
// mount at start. Chosen over runc's alternatives: a
// sealed memfd copy costs the whole file in memory per supervisor and per `exec` (67 MB with debug
// information), runc 1.2's overlayfs needs a second lower directory on the host. The bind can only
// be made writable again with CAP_SYS_ADMIN in the initial user namespace (mount_setattr), which a
// container holds only when the lab file adds SYS_ADMIN with idmap = "host".
#pragma once

#include "common/error.hpp"

namespace srcompose::sys {

// Re-executes the program (execveat of the read-only clone, same argv and environment) unless it
// already runs from one. Returns when there is nothing to do or when sealing failed (not root, no
// CAP_SYS_ADMIN, a kernel without open_tree/mount_setattr): check_sealed_binary() then reports why
// before any container is started. Call first thing in main(), before any thread or fd exists.
void run_from_sealed_binary(char** argv);

// The program to exec for a process that must run from the read-only clone (the launcher):
// /proc/self/exe when this process already runs from one, else /proc/PID/fd/N of a clone made at
// the first call and kept open for the process's life. An error says why sealing is impossible.
Result<std::string> sealed_binary_path();

// Parent side: ok when /proc/self/exe is on a read-only mount that no mount namespace shows (what
// run_from_sealed_binary made); otherwise an error saying why sealing is not possible here. Checked
// once per process, then remembered.
Status check_sealed_binary();

}  // namespace srcompose::sys
