#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Every container has its own cgroup namespace: it sees its cgroup as "/" and, under /sys/fs/cgroup,
# its own controllers and limits, read-only, whatever the host's layout (v1, hybrid or v2).

load helpers

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

@test "a container sees its own cgroup as / and its limits read-only under /sys/fs/cgroup" {
  write_lab e2e-cgns <<'EOF_LAB'
[containers.c]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "echo CG $(cat /proc/self/cgroup | tr '\\n' ' '); exec sleep 3600"]
limits = { memory = "64M", pids = 50 }
EOF_LAB
  run srcompose -f "$LAB" up -d
  echo "$output"
  [ "$status" -eq 0 ]
  wait_until "srcompose -p e2e-cgns logs c | grep -q CG" 10
  # The workload's own view: every hierarchy's path is "/" (the host path would name srcompose/).
  line=$(srcompose -p e2e-cgns logs c | grep CG)
  echo "$line"
  [[ "$line" != *srcompose* ]]
  grep -Eq '(^| )[0-9]+:[^ ]*:/( |$)' <<<"$line"
  [ "$(grep -Ec ':/[^ ]' <<<"$line")" -eq 0 ]
  # exec joins the same namespace.
  run srcompose -p e2e-cgns exec c /bin/sh -c 'cat /proc/self/cgroup'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" != *srcompose* ]]
  if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
    memory=/sys/fs/cgroup/memory.max pids=/sys/fs/cgroup/pids.max
  else
    memory=/sys/fs/cgroup/memory/memory.limit_in_bytes pids=/sys/fs/cgroup/pids/pids.max
  fi
  run srcompose -p e2e-cgns exec c /bin/cat "$memory" "$pids"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | sed -n 1p)" = 67108864 ]
  [ "$(echo "$output" | sed -n 2p)" = 50 ]
  # Read-only: neither a limit nor a new cgroup can be written from inside.
  run srcompose -p e2e-cgns exec c /bin/sh -c "echo 100 > $pids"
  [ "$status" -ne 0 ]
  run srcompose -p e2e-cgns exec c /bin/sh -c "mkdir $(dirname "$pids")/escape"
  [ "$status" -ne 0 ]
  run srcompose -p e2e-cgns exec c /bin/cat "$pids"
  [ "$output" = 50 ]
  run srcompose -p e2e-cgns down
  [ "$status" -eq 0 ]
  assert_nothing_left e2e-cgns
}
