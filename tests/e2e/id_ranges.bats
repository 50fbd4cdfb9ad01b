#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10 item 9: automatic id ranges are settled across every lab of the state root, so two labs
# whose names hash to the same slot never share host uids; a lab keeps its range run after run.

load helpers

setup() { setup_lab_env; }
teardown() {
  for project in ${PROJECTS:-}; do "$SRCOMPOSE" -p "$project" down >/dev/null 2>&1 || true; done
  teardown_lab_env
}

# Two project names whose container "c" hashes to the same slot (FNV-1a of "project\0" then
# "container", modulo 4096, as plan/userns.cpp does), found by brute force.
colliding_projects() {
  python3 - <<'EOF_PY'
def fnv1a(data, seed=0xcbf29ce484222325):
    for byte in data:
        seed = ((seed ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return seed
seen = {}
i = 0
while True:
    name = "idr%d" % i
    slot = fnv1a(b"c", fnv1a(name.encode() + b"\0")) % 4096
    if slot in seen:
        print(seen[slot], name, 0x10000000 + slot * 65536)
        break
    seen[slot] = name
    i += 1
EOF_PY
}

# The host uid that container c's root maps to, from /proc/PID/uid_map.
root_uid_of() {
  PROJECT=$1
  local pid
  pid=$(container_pid c)
  awk '$1 == 0 { print $2 }' "/proc/$pid/uid_map"
}

@test "two labs whose names hash alike get disjoint ranges; a lab gets the same range again" {
  read -r first second home < <(colliding_projects)
  echo "colliding: $first $second at $home"
  PROJECTS="$first $second"
  sleeping_lab "$first"
  run srcompose -f "$LAB" up -d
  echo "$output"
  [ "$status" -eq 0 ]
  first_uid=$(root_uid_of "$first")
  # The hash above is the planner's: without a collision this test would prove nothing.
  [ "$first_uid" = "$home" ]
  sleeping_lab "$second"
  run srcompose -f "$LAB" up -d
  echo "$output"
  [ "$status" -eq 0 ]
  second_uid=$(root_uid_of "$second")
  echo "uids: $first_uid $second_uid"
  [ -n "$first_uid" ] && [ -n "$second_uid" ]
  # 65536 ids each: disjoint means at least that far apart.
  distance=$((first_uid > second_uid ? first_uid - second_uid : second_uid - first_uid))
  [ "$distance" -ge 65536 ]
  grep -q "^$first $first_uid 65536\$" "$SRCOMPOSE_STATE_DIR/id-ranges"
  grep -q "^$second $second_uid 65536\$" "$SRCOMPOSE_STATE_DIR/id-ranges"

  # Down releases; the same lab comes back on the same range.
  run srcompose -p "$first" down
  [ "$status" -eq 0 ]
  ! grep -q "^$first " "$SRCOMPOSE_STATE_DIR/id-ranges"
  sleeping_lab "$first"
  run srcompose -f "$LAB" up -d
  [ "$status" -eq 0 ]
  [ "$(root_uid_of "$first")" = "$first_uid" ]

  run srcompose -p "$first" down
  [ "$status" -eq 0 ]
  run srcompose -p "$second" down
  [ "$status" -eq 0 ]
  [ ! -s "$SRCOMPOSE_STATE_DIR/id-ranges" ]
  assert_nothing_left "$first"
  assert_nothing_left "$second"
}
