#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Errors are never lost: every failure reaches the user (or supervisor.log) with the container and
# the step, and the exit status says so (issue 12).

load helpers

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

@test "a foreground up whose only container cannot start exits 1 naming the container and the step" {
  write_lab e2e-fail1 <<'EOF_LAB'
[containers.only]
rootfs = "builtin:busybox"
command = ["/no/such/program"]
EOF_LAB
  run timeout 60 "$SRCOMPOSE" -f "$LAB" up --no-color
  echo "$output"
  [ "$status" -eq 1 ]
  grep -q 'container only: exec /no/such/program: No such file or directory' <<<"$output"
  assert_nothing_left e2e-fail1
}

@test "up -d names the container when its preparation fails" {
  write_lab e2e-fail2 <<'EOF_LAB'
[containers.only]
rootfs = "builtin:busybox"
user = "nosuchuser"
EOF_LAB
  run timeout 60 "$SRCOMPOSE" -f "$LAB" up -d
  echo "$output"
  [ "$status" -eq 1 ]
  grep -q 'container only: user nosuchuser' <<<"$output"
  assert_nothing_left e2e-fail2
}

@test "exec and down on a damaged state file report an error or clean up, never abort" {
  write_lab e2e-state1 <<'EOF_LAB'
[containers.c]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
EOF_LAB
  run srcompose -f "$LAB" up -d
  [ "$status" -eq 0 ]
  state=$SRCOMPOSE_STATE_DIR/e2e-state1/state.json
  python3 - "$state" <<'EOF_PY'
import json, sys
path = sys.argv[1]
state = json.load(open(path))
del state["containers"][0]["pid"]
json.dump(state, open(path, "w"))
EOF_PY
  run srcompose -p e2e-state1 exec c /bin/true
  echo "$output"
  [ "$status" -eq 1 ]
  grep -q '"pid" missing' <<<"$output"
  # The supervisor dies and leaves a state file without its keys: down (told the lab file, since
  # the state no longer says where the storage is) still removes everything.
  kill -KILL "$(cat "$SRCOMPOSE_STATE_DIR/e2e-state1/lock")"
  echo '{"project": 7}' >"$state"
  run srcompose -f "$LAB" down
  echo "$output"
  [ "$status" -eq 0 ]
  assert_nothing_left e2e-state1
}

@test "down ends a stopped supervisor, and finds a live one whose state directory was deleted" {
  write_lab e2e-state2 <<'EOF_LAB'
[networks.net]
subnet = "10.231.11.0/24"

[containers.c]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
networks = ["net"]
ports = ["127.0.0.1:18932:80"]
EOF_LAB
  run srcompose -f "$LAB" up -d
  echo "$output"
  [ "$status" -eq 0 ]
  supervisor=$(cat "$SRCOMPOSE_STATE_DIR/e2e-state2/lock")
  kill -STOP "$supervisor"
  run timeout 30 "$SRCOMPOSE" -p e2e-state2 ps
  echo "$output"
  [ "$status" -eq 1 ]
  grep -q "does not answer" <<<"$output"
  run timeout 60 "$SRCOMPOSE" -p e2e-state2 down
  echo "$output"
  [ "$status" -eq 0 ]
  wait_until "process_gone $supervisor" 15
  assert_nothing_left e2e-state2

  run srcompose -f "$LAB" up -d
  [ "$status" -eq 0 ]
  supervisor=$(cat "$SRCOMPOSE_STATE_DIR/e2e-state2/lock")
  rm -rf "${SRCOMPOSE_STATE_DIR:?}/e2e-state2"
  run timeout 60 "$SRCOMPOSE" -f "$LAB" down
  echo "$output"
  [ "$status" -eq 0 ]
  wait_until "process_gone $supervisor" 15
  assert_nothing_left e2e-state2
  # The published port is free again: the next up works.
  run srcompose -f "$LAB" up -d
  echo "$output"
  [ "$status" -eq 0 ]
}
