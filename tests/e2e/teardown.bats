#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# How `down` removes a lab quickly and still completely (issue 16).

load helpers

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

# The super options of the overlay at / in the mount namespace of process $1.
root_overlay_options() {
  awk '$5 == "/" { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 1), $(i + 3); exit } }' \
    "/proc/$1/mountinfo"
}

@test "a throwaway layer is mounted volatile, a persist layer is not and comes up again after down" {
  write_lab e2e-volatile <<'EOF_LAB'
[containers.scratch]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "600"]

[containers.kept]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "echo kept >> /kept.txt; exec sleep 600"]
persist = true
EOF_LAB
  srcompose -f "$LAB" up -d
  scratch=$(root_overlay_options "$(container_pid scratch)")
  kept=$(root_overlay_options "$(container_pid kept)")
  echo "scratch: $scratch"; echo "kept: $kept"
  # The kernel shows the option as fsync=volatile.
  [[ "$scratch" == overlay* ]] && [[ "$scratch" == *fsync=volatile* ]]
  [[ "$kept" == overlay* ]] && [[ "$kept" != *fsync=volatile* ]]
  # A restart mounts the same throwaway layer again, past the mark the volatile mount left.
  srcompose -p e2e-volatile exec scratch sh -c 'echo written > /scratch.txt'
  srcompose -p e2e-volatile restart scratch
  [ "$(ps_field scratch "c['state']")" = running ]
  [ "$(srcompose -p e2e-volatile exec scratch cat /scratch.txt)" = written ]
  srcompose -p e2e-volatile down >/dev/null 2>&1
  # A volatile mount leaves work/work/incompat/volatile, which fails the next mount of that upper:
  # the persistent layer must come up again, with what it wrote before.
  srcompose -f "$LAB" up -d
  [ "$(srcompose -p e2e-volatile exec kept cat /kept.txt)" = "$(printf 'kept\nkept')" ]
  [[ "$(root_overlay_options "$(container_pid scratch)")" == *fsync=volatile* ]]
  srcompose -p e2e-volatile down -v >/dev/null 2>&1
  assert_nothing_left e2e-volatile
}
