#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The supervisor's event loop never waits on a container (issue 10 items 12 and 13, issue 16):
# hostile or stuck processes inside a container cost a pending wait, never the loop; `ps` answers
# and `down` finishes.

load helpers

setup() { setup_lab_env; }
# A hung supervisor (the bug these tests catch) must not hang the suite: killed after 30 s.
teardown() {
  if [ -n "${PROJECT:-}" ] && ! timeout 30 "$SRCOMPOSE" -p "$PROJECT" down >/dev/null 2>&1; then
    [ -z "${SUPERVISOR:-}" ] || kill -9 "$SUPERVISOR" 2>/dev/null || true
  fi
  teardown_lab_env
}

supervisor_pid() {
  python3 -c "import json; print(json.load(open('$SRCOMPOSE_STATE_DIR/$PROJECT/state.json'))['supervisor_pid'])"
}

# Zombie children of process $1 (state Z), one "pid comm" per line.
zombies_of() {
  ps -e -o ppid=,pid=,stat=,comm= | awk -v parent="$1" '$1 == parent && $3 ~ /^Z/ { print $2, $4 }'
}

# Runs `down` and fails when it takes longer than $1 seconds.
down_within() {
  local limit=$1 started ended
  started=$(date +%s%N)
  timeout $((limit * 4)) "$SRCOMPOSE" -p "$PROJECT" down
  ended=$(date +%s%N)
  echo "down took $(((ended - started) / 1000000)) ms"
  [ $(((ended - started) / 1000000)) -lt $((limit * 1000)) ]
}

@test "a health check that times out is killed and reaped: no zombie, down finishes promptly" {
  write_lab e2e-hczombie <<'EOF_LAB'
[containers.slowcheck]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
healthcheck = { command = ["/bin/sleep", "100"], interval = "200ms", timeout = "1s" }
EOF_LAB
  srcompose -f "$LAB" up -d
  SUPERVISOR=$(supervisor_pid)
  # Three checks time out (1 s each, 200 ms apart).
  wait_until "[ \"\$(ps_field slowcheck \"c['health']\")\" = unhealthy ]" 15
  sleep 0.5
  zombies=$(zombies_of "$SUPERVISOR")
  echo "zombies of the supervisor: $zombies"
  [ -z "$zombies" ]
  down_within 5
  assert_nothing_left e2e-hczombie
}

# Runs `ps` $1 times, $2 seconds apart, failing when one answer takes 200 ms or more.
ps_answers_promptly() {
  local times=$1 pause=$2 started ended took
  for _ in $(seq "$times"); do
    started=$(date +%s%N)
    timeout 5 "$SRCOMPOSE" -p "$PROJECT" ps >/dev/null
    ended=$(date +%s%N)
    took=$(((ended - started) / 1000000))
    echo "ps took $took ms"
    [ "$took" -lt 200 ]
    sleep "$pause"
  done
}

@test "health checks of a paused container hang in its frozen cgroup without stalling the loop" {
  write_lab e2e-frozen <<'EOF_LAB'
[containers.frozen]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
healthcheck = { command = ["/bin/true"], interval = "200ms", timeout = "1s" }

[containers.neighbour]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
EOF_LAB
  srcompose -f "$LAB" up -d --wait
  SUPERVISOR=$(supervisor_pid)
  # A check's helper joins the frozen cgroup and freezes before it can fork the check: the
  # supervisor used to wait for its sync socket, for up to 60 s, with the whole loop.
  srcompose -p e2e-frozen pause frozen
  ps_answers_promptly 10 0.3
  srcompose -p e2e-frozen restart neighbour
  [ "$(ps_field neighbour "c['state']")" = running ]
  # Its checks time out one after the other; how many have by now depends on the machine's load.
  wait_until "[ \"\$(ps_field frozen \"c['health']\")\" = unhealthy ]" 15
  down_within 5
  [ -z "$(zombies_of "$SUPERVISOR")" ]
  assert_nothing_left e2e-frozen
}

@test "a container that stops each new process before its execve delays only its own checks" {
  [ -n "${SRCOMPOSE_PROBE:-}" ]
  write_lab e2e-stopper <<EOF_LAB
[containers.stopper]
rootfs = "builtin:busybox"
command = ["/probe", "stop-newcomers", "30"]
healthcheck = { command = ["/bin/true"], interval = "100ms", timeout = "1s" }
[[containers.stopper.mounts]]
source = "$SRCOMPOSE_PROBE"
target = "/probe"
readonly = true

[containers.neighbour]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
EOF_LAB
  srcompose -f "$LAB" up -d
  SUPERVISOR=$(supervisor_pid)
  ps_answers_promptly 10 0.3
  # At least one check was stopped before its execve (its comm still that of srcompose's fork),
  # the case where the supervisor waited on the sync socket.
  srcompose -p e2e-stopper logs stopper >"$TEST_DIR/stopper.log"
  cat "$TEST_DIR/stopper.log"
  grep -q 'stopped=.*comm=' "$TEST_DIR/stopper.log"
  grep 'stopped=' "$TEST_DIR/stopper.log" | grep -vq 'comm=true$'
  srcompose -p e2e-stopper restart neighbour
  [ "$(ps_field neighbour "c['state']")" = running ]
  down_within 5
  [ -z "$(zombies_of "$SUPERVISOR")" ]
  assert_nothing_left e2e-stopper
}

# Freezes (1) or thaws (0) the cgroup of container $1 of the current project, v1 freezer or v2.
freeze_cgroup() {
  local v1=/sys/fs/cgroup/freezer/srcompose/$PROJECT/$1/freezer.state
  local v2=/sys/fs/cgroup/srcompose/$PROJECT/$1/cgroup.freeze
  if [ -e "$v1" ]; then
    if [ "$2" = 1 ]; then echo FROZEN >"$v1"; else echo THAWED >"$v1"; fi
  else
    echo "$2" >"$v2"
  fi
}

@test "a container whose setup stalls delays neither its neighbours nor the loop, and down gives up on it" {
  write_lab e2e-stall <<'EOF_LAB'
[containers.stall]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]

[containers.neighbour]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
EOF_LAB
  srcompose -f "$LAB" up -d
  SUPERVISOR=$(supervisor_pid)
  srcompose -p e2e-stall stop stall
  # Its (empty) cgroup frozen: the next init freezes as it joins it, before it sets itself up, and
  # never reports; the supervisor would give up only after 60 s.
  freeze_cgroup stall 1
  "$SRCOMPOSE" -p e2e-stall start stall >"$TEST_DIR/start.out" 2>&1 &
  start_pid=$!
  wait_until "[ \"\$(ps_field stall \"c['state']\")\" = starting ]" 5
  ps_answers_promptly 5 0.2
  # A neighbour restarts meanwhile: its setup does not queue behind the stalled one.
  started=$(date +%s%N)
  srcompose -p e2e-stall restart neighbour
  took=$((($(date +%s%N) - started) / 1000000))
  echo "restart of the neighbour took $took ms"
  [ "$took" -lt 2000 ]
  [ "$(ps_field neighbour "c['state']")" = running ]
  [ "$(ps_field stall "c['state']")" = starting ]
  # down stops the stalled start at once instead of waiting for its deadline.
  down_within 5
  wait "$start_pid" || true
  [ -z "$(zombies_of "$SUPERVISOR")" ]
  assert_nothing_left e2e-stall
}
