#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 14's lab-file keys through the real binary: `subnet = "auto"` (three projects from one file
# brought up at once) and `extends`.

load helpers

setup() { setup_lab_env; }
teardown() {
  for project in ${PROJECTS:-}; do "$SRCOMPOSE" -p "$project" down >/dev/null 2>&1 || true; done
  teardown_lab_env
}

# The subnet of network net that `up` printed for project $1.
picked_subnet() {
  sed -n "s/^lab $1: network net: subnet \([0-9./]*\) (auto)\$/\1/p" "$TEST_DIR/$1.out"
}

@test "subnet = auto: three projects of one file brought up at once get three subnets and work" {
  PROJECTS="e2e-auto-a e2e-auto-b e2e-auto-c"
  LAB=$TEST_DIR/lab.toml
  # A pool of four /24s: the three start points likely meet, so the registry's lock is what keeps
  # them apart.
  cat >"$LAB" <<EOF_LAB
storage = "$STORAGE"
subnet_pool = "10.232.4.0/22"

[networks.net]
subnet = "auto"

[containers.srv]
rootfs = "builtin:busybox"
command = ["nc", "-ll", "-p", "7", "-e", "/bin/echo", "pong"]
networks = ["net"]

[containers.cli]
rootfs = "builtin:busybox"
command = ["sleep", "600"]
networks = ["net"]
EOF_LAB
  run srcompose -f "$LAB" config
  [ "$status" -eq 0 ]
  [[ "$output" == *'subnet = "auto"'* ]]
  local pids=()
  for project in $PROJECTS; do
    srcompose -f "$LAB" -p "$project" up -d >"$TEST_DIR/$project.out" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  cat "$TEST_DIR"/*.out
  local subnets=()
  for project in $PROJECTS; do
    subnet=$(picked_subnet "$project")
    [[ "$subnet" == 10.232.[4-7].0/24 ]]
    subnets+=("$subnet")
    # The containers' addresses are in it and they reach each other by name.
    run srcompose -p "$project" exec cli ip -4 -o addr show eth0
    echo "$output"
    [[ "$output" == *" ${subnet%.0/24}."*"/24 "* ]]
    wait_until "[ \"\$(srcompose -p $project exec cli nc -w 1 srv 7 </dev/null)\" = pong ]"
    grep -qx "$project net $subnet auto" "$SRCOMPOSE_STATE_DIR/subnets"
  done
  echo "subnets: ${subnets[*]}"
  [ "$(printf '%s\n' "${subnets[@]}" | sort -u | wc -l)" -eq 3 ]
  # The host routes each subnet to its own bridge.
  for subnet in "${subnets[@]}"; do
    [ "$(ip -4 route show "$subnet" | wc -l)" -eq 1 ]
  done
  # Down and up again: the project gets its subnet back.
  srcompose -p e2e-auto-b down
  srcompose -f "$LAB" -p e2e-auto-b up -d >"$TEST_DIR/e2e-auto-b.out" 2>&1
  [ "$(picked_subnet e2e-auto-b)" = "${subnets[1]}" ]
  # A fourth project takes the last /24; a fifth finds the pool full and says so.
  srcompose -f "$LAB" -p e2e-auto-d up -d >"$TEST_DIR/e2e-auto-d.out" 2>&1
  PROJECTS="$PROJECTS e2e-auto-d"
  run srcompose -f "$LAB" -p e2e-auto-e up -d
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"network net: no free /24 left in subnet_pool 10.232.4.0/22"* ]]
  assert_nothing_left e2e-auto-e
  for project in $PROJECTS; do
    srcompose -p "$project" down
    assert_nothing_left "$project"
  done
  for subnet in "${subnets[@]}"; do
    [ -z "$(ip -4 route show "$subnet")" ]
  done
}

@test "extends: a container takes a template's keys and another container's, tables merged" {
  write_lab e2e-extends <<'EOF_LAB'
[templates.base]
rootfs = "builtin:busybox"
command = ["sleep", "600"]
env = { LEVEL = "base", KEEP = "kept" }
limits = { pids = 64 }

[containers.one]
extends = "base"
env = { LEVEL = "one" }

[containers.two]
extends = "one"
hostname = "second"
EOF_LAB
  srcompose -f "$LAB" up -d
  run srcompose -p e2e-extends exec two sh -c 'echo "$LEVEL $KEEP $(hostname)"'
  echo "$output"
  [ "$output" = "one kept second" ]
  run srcompose -p e2e-extends exec one sh -c 'echo "$LEVEL $KEEP $(hostname)"'
  [ "$output" = "one kept one" ]
  # A template is not a container.
  names=$(srcompose -p e2e-extends ps --format json |
    python3 -c "import json,sys; print(' '.join(sorted(c['name'] for c in json.load(sys.stdin))))")
  [ "$names" = "one two" ]
  run srcompose -f "$LAB" config
  [[ "$output" == *"pids = 64"* ]]
  srcompose -p e2e-extends down
  assert_nothing_left e2e-extends
}
