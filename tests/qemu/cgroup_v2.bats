#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Pure cgroup v2 checks run inside the QEMU guests (tests/qemu/run.sh), beside the e2e files (OOM
# through memory.events with restart on-oom, crash cleanup and `down` are in supervisor.bats and
# examples.bats): the host's own run is on a v1 hybrid layout, where these files differ.

load ../e2e/helpers

setup() {
  setup_lab_env
  [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || { echo "not a pure cgroup v2 host" >&2; return 1; }
}
teardown() { teardown_lab_env; }

@test "pids: the limit is pids.max, forks past it fail inside and pids.events counts them" {
  write_lab pids <<'EOF2'
[containers.forker]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 30 & done; echo started; sleep 30"]
limits = { pids = 8 }
EOF2
  srcompose -f "$LAB" up -d
  dir=/sys/fs/cgroup/srcompose/pids/forker
  wait_until "grep -q '^max [1-9]' $dir/pids.events"
  [ "$(cat $dir/pids.max)" = 8 ]
  [ "$(cat $dir/pids.current)" -le 8 ]
  wait_until "srcompose -p pids logs forker | grep -q 'can.t fork\|Resource temporarily unavailable\|started'"
  srcompose -p pids down
  assert_nothing_left pids
}

@test "cgroup namespace: the container sees its own cgroup as / with its own limits" {
  write_lab cgns <<'EOF2'
[containers.viewer]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "cat /proc/self/cgroup; echo max=$(cat /sys/fs/cgroup/memory.max); echo pids=$(cat /sys/fs/cgroup/pids.max); ls /sys/fs/cgroup | grep -c srcompose; sleep 30"]
limits = { memory = "64M", pids = 50 }
EOF2
  srcompose -f "$LAB" up -d
  wait_until "srcompose -p cgns logs viewer | grep -q 'pids='"
  run srcompose -p cgns logs viewer
  echo "$output"
  if grep -qx 'viewer | 0::/' <<<"$output"; then
    # A cgroup namespace rooted at the container's cgroup: /sys/fs/cgroup is that cgroup.
    [[ "$output" == *"max=67108864"* ]]
    [[ "$output" == *"pids=50"* ]]
  else
    # No cgroup namespace (not every container has one yet): placed in its own cgroup, and the
    # host's tree is not shown (an empty read-only tmpfs stands at /sys/fs/cgroup).
    grep -qx 'viewer | 0::/srcompose/cgns/viewer' <<<"$output"
    grep -qx 'viewer | max=' <<<"$output"
    grep -qx 'viewer | 0' <<<"$output"
  fi
  srcompose -p cgns down
  assert_nothing_left cgns
}
