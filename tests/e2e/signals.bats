#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Signals never kill a supervisor without its teardown, and never escalate by accident (issue 12).

load helpers

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

lock_owner() { cat "$SRCOMPOSE_STATE_DIR/$PROJECT/lock" 2>/dev/null; }

trapping_lab() {
  write_lab "$1" <<'EOF_LAB'
[containers.c]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "trap 'echo got TERM; exit 0' TERM; echo running; while :; do sleep 0.1; done"]
stop_timeout = "20s"
EOF_LAB
}

@test "timeout N srcompose up stops the lab gracefully (its doubled signal is one request)" {
  trapping_lab e2e-sig1
  run timeout -s TERM 4 "$SRCOMPOSE" -f "$LAB" up --no-color
  echo "$output"
  [ "$status" -eq 124 ]
  grep -q 'c  *| got TERM' <<<"$output"
  [ "$(grep -c 'killing every container' <<<"$output")" -eq 0 ]
  assert_nothing_left e2e-sig1
}

@test "SIGHUP to a foreground up tears the lab down; a detached supervisor ignores SIGHUP" {
  trapping_lab e2e-sig2
  "$SRCOMPOSE" -f "$LAB" up --no-color >"$TEST_DIR/up.out" 2>&1 &
  up_pid=$!
  wait_until "grep -q 'c  *| running' '$TEST_DIR/up.out'" 20
  kill -HUP "$up_pid"
  wait_until "process_gone $up_pid" 20
  cat "$TEST_DIR/up.out"
  grep -q 'c  *| got TERM' "$TEST_DIR/up.out"
  # The foreground teardown ran to its end (a crash in it shows here; after `up -d`, down's own
  # cleanup would cover it up).
  up_status=0
  wait "$up_pid" || up_status=$?
  [ "$up_status" -eq 0 ]
  grep -q 'lab e2e-sig2 is down' "$TEST_DIR/up.out"
  assert_nothing_left e2e-sig2

  run srcompose -f "$LAB" up -d
  [ "$status" -eq 0 ]
  supervisor=$(lock_owner)
  [ -n "$supervisor" ]
  kill -HUP "$supervisor"
  kill -USR1 "$supervisor"
  sleep 0.5
  kill -0 "$supervisor"
  run srcompose -p e2e-sig2 ps --format json
  grep -q '"state":"running"' <<<"$output"
  # Detached, the supervisor's own messages go to supervisor.log.
  grep -q 'SIGUSR1 ignored' "$SRCOMPOSE_STATE_DIR/e2e-sig2/supervisor.log"
  run srcompose -p e2e-sig2 down
  [ "$status" -eq 0 ]
  assert_nothing_left e2e-sig2
}

@test "a closed stdout (up | head) does not kill the supervisor; down still tears down" {
  trapping_lab e2e-sig3
  ( "$SRCOMPOSE" -f "$LAB" up --no-color | head -n 1 >/dev/null ) &
  wait_until "srcompose -p e2e-sig3 ps --format json 2>/dev/null | grep -q running" 20
  supervisor=$(lock_owner)
  sleep 0.5  # head has exited; the supervisor's next lines go to a closed pipe
  kill -0 "$supervisor"
  run srcompose -p e2e-sig3 down
  echo "$output"
  [ "$status" -eq 0 ]
  grep -q 'c: stopped, exit code 0' <<<"$output"
  assert_nothing_left e2e-sig3
}

@test "an up -d client killed while the lab comes up does not take the supervisor with it" {
  write_lab e2e-sig4 <<'EOF_LAB'
[containers.slow]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
healthcheck = { command = ["/bin/false"], interval = "200ms" }

[containers.waiter]
rootfs = "builtin:busybox"
depends_on = { slow = { condition = "healthy" } }
command = ["/bin/sleep", "3600"]
EOF_LAB
  "$SRCOMPOSE" -f "$LAB" up -d >"$TEST_DIR/up.out" 2>&1 &
  client=$!
  wait_until "[ -n \"\$(lock_owner)\" ] && srcompose -p e2e-sig4 ps --format json 2>/dev/null | grep -q running" 20
  kill -KILL "$client"
  supervisor=$(lock_owner)
  run srcompose -p e2e-sig4 down --report "$TEST_DIR/report.json"
  echo "$output"
  [ "$status" -eq 0 ]
  grep -q 'is down' <<<"$output"
  [ -s "$TEST_DIR/report.json" ]
  assert_nothing_left e2e-sig4
}

@test "a detached supervisor holds none of its starter's descriptors (a flock lock, a pipe)" {
  trapping_lab e2e-sig5
  : >"$TEST_DIR/starter.lock"
  # fd 7 is a lock the starter holds, as `flock FILE srcompose up -d` gives it.
  (
    exec 7>"$TEST_DIR/starter.lock"
    flock 7
    "$SRCOMPOSE" -f "$LAB" up -d
  )
  supervisor=$(lock_owner)
  [ -n "$supervisor" ]
  kill -0 "$supervisor"
  run ls -l "/proc/$supervisor/fd"
  echo "$output"
  ! grep -q 'starter.lock' <<<"$output"
  # The lock is free again although the lab still runs.
  flock -n "$TEST_DIR/starter.lock" true
  run srcompose -p e2e-sig5 down
  [ "$status" -eq 0 ]
  assert_nothing_left e2e-sig5
}
