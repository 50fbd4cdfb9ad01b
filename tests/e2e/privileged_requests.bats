#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10, "privileged requests are visible": config and up name what a container gets beyond the
# default confinement, one warning line per container.

load helpers

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

@test "config and up print one warning line per container that asks for host power" {
  write_lab warned <<'EOF_LAB'
[containers.rooty]
rootfs = "builtin:busybox"
command = ["sleep", "60"]
idmap = "host"
cap_add = ["SYS_ADMIN"]
seccomp = "unconfined"
[[containers.rooty.mounts]]
source = "/proc"
target = "/hostproc"
readonly = true

[containers.plain]
rootfs = "builtin:busybox"
command = ["sleep", "60"]
EOF_LAB
  run srcompose -f "$LAB" config
  echo "$output"
  [ "$status" -eq 0 ]
  warnings=$(grep -c '^srcompose: warning: ' <<<"$output")
  [ "$warnings" -eq 1 ]
  grep -qF 'srcompose: warning: container rooty gets host power: idmap = "host", cap_add SYS_ADMIN, seccomp = "unconfined", bind mount of /proc at /hostproc (read-only)' <<<"$output"
  ! grep -q 'container plain' <<<"$output"

  run srcompose -f "$LAB" up -d
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(grep -c '^srcompose: warning: container rooty gets host power' <<<"$output")" -eq 1 ]
  run srcompose -p warned down
  [ "$status" -eq 0 ]
}
