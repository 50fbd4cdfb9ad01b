#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# net.ipv4.ip_forward: on while a lab with a `nat` network runs, back to what it was when the last
# such lab is down, also after a supervisor killed with -9 (issue 10 item 7).

load helpers

FORWARD=/proc/sys/net/ipv4/ip_forward

setup() {
  setup_lab_env
  SAVED_FORWARD=$(cat "$FORWARD")
}

teardown() {
  for project in e2e-fwd-a e2e-fwd-b; do "$SRCOMPOSE" -p "$project" down >/dev/null 2>&1 || true; done
  # Whatever happened above, the host keeps its own value.
  echo "$SAVED_FORWARD" >"$FORWARD"
  teardown_lab_env
}

nat_lab() {
  local project=$1 third=$2
  cat >"$TEST_DIR/$project.toml" <<EOF_LAB
name = "$project"
storage = "$STORAGE"
[networks.out]
subnet = "10.231.$third.0/24"
nat = true
[containers.c]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
networks = ["out"]
EOF_LAB
}

forwarding() { cat "$FORWARD"; }

@test "ip_forward 0 before: 1 while a nat lab runs, 0 after down; two labs overlapping keep it until the last" {
  nat_lab e2e-fwd-a 21
  nat_lab e2e-fwd-b 22
  echo 0 >"$FORWARD"
  srcompose -f "$TEST_DIR/e2e-fwd-a.toml" up -d
  [ "$(forwarding)" = 1 ]
  srcompose -p e2e-fwd-a down
  [ "$(forwarding)" = 0 ]

  srcompose -f "$TEST_DIR/e2e-fwd-a.toml" up -d
  srcompose -f "$TEST_DIR/e2e-fwd-b.toml" up -d
  [ "$(forwarding)" = 1 ]
  srcompose -p e2e-fwd-a down
  # b still needs it.
  [ "$(forwarding)" = 1 ]
  srcompose -f "$TEST_DIR/e2e-fwd-a.toml" up -d
  srcompose -p e2e-fwd-b down
  [ "$(forwarding)" = 1 ]
  srcompose -p e2e-fwd-a down
  [ "$(forwarding)" = 0 ]
  assert_nothing_left e2e-fwd-a
  assert_nothing_left e2e-fwd-b
}

@test "ip_forward 1 before stays 1; a down of a lab that never held it changes nothing" {
  nat_lab e2e-fwd-a 21
  echo 1 >"$FORWARD"
  srcompose -f "$TEST_DIR/e2e-fwd-a.toml" up -d
  srcompose -p e2e-fwd-a down
  [ "$(forwarding)" = 1 ]
  # Another lab (no nat) going down does not put back a value it never recorded.
  echo 0 >"$FORWARD"
  srcompose -f "$TEST_DIR/e2e-fwd-a.toml" up -d
  run srcompose -p e2e-fwd-b down
  [ "$(forwarding)" = 1 ]
  srcompose -p e2e-fwd-a down
  [ "$(forwarding)" = 0 ]
}

@test "after kill -9 of the supervisor, down puts ip_forward back" {
  nat_lab e2e-fwd-a 21
  echo 0 >"$FORWARD"
  "$SRCOMPOSE" -f "$TEST_DIR/e2e-fwd-a.toml" up --no-color >/dev/null 2>&1 &
  up_pid=$!
  wait_until "[ \"\$(\"$SRCOMPOSE\" -p e2e-fwd-a ps --format json 2>/dev/null | grep -c running)\" -ge 1 ]" 20
  [ "$(forwarding)" = 1 ]
  kill -9 "$up_pid"
  wait "$up_pid" 2>/dev/null || true
  [ "$(forwarding)" = 1 ]
  run srcompose -p e2e-fwd-a down
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"its supervisor was gone"* ]]
  [ "$(forwarding)" = 0 ]
  assert_nothing_left e2e-fwd-a
}
