#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# `srcompose events` (issue 14): a JSON line per start, exit, OOM kill, restart, health change,
# pause and unpause, and the lab's up and down; followed until the lab is down.

load helpers

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

@test "events --json: start, exit, OOM kill, restart, health changes, pause, up and down; then it ends" {
  write_lab e2e-events <<'EOF_LAB'
[containers.hog]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "exec tail /dev/zero"]
restart = "on-oom"
max_restarts = 1
limits = { memory = "32M", memory_swap = "32M" }

[containers.quitter]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "sleep 0.5; exit 3"]
restart = "no"

[containers.flaky]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "touch /tmp/ok; sleep 1.5; rm /tmp/ok; exec sleep 3600"]
healthcheck = { command = ["/bin/test", "-e", "/tmp/ok"], interval = "100ms", retries = 2 }
EOF_LAB
  run srcompose events -f "$LAB"
  echo "$output"
  [ "$status" -eq 1 ]
  grep -q "lab e2e-events is not up" <<<"$output"

  srcompose -f "$LAB" up -d
  run srcompose -p e2e-events events nosuch
  [ "$status" -eq 1 ]
  grep -q "no container nosuch in lab e2e-events" <<<"$output"
  # Started after the lab came up: the events so far first, then the new ones.
  timeout 60 "$SRCOMPOSE" -p e2e-events events --json >"$TEST_DIR/events.jsonl" &
  follower=$!
  timeout 60 "$SRCOMPOSE" -p e2e-events events quitter >"$TEST_DIR/quitter.txt" &
  text_follower=$!
  wait_until "[ \"\$(ps_field hog 'c[\"state\"]')\" = exited ]" 30
  wait_until "[ \"\$(ps_field quitter 'c[\"state\"]')\" = exited ]" 10
  wait_until "[ \"\$(ps_field flaky 'c[\"health\"]')\" = unhealthy ]" 20
  srcompose -p e2e-events pause flaky
  srcompose -p e2e-events unpause flaky
  srcompose -p e2e-events down
  # Both end on their own once the lab is down.
  wait "$follower"
  wait "$text_follower"
  cat "$TEST_DIR/events.jsonl"
  python3 - "$TEST_DIR/events.jsonl" <<'EOF_PY'
import datetime, json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
for event in events:
    assert event['project'] == 'e2e-events', event
    assert event['time'].endswith('Z'), event
    datetime.datetime.fromisoformat(event['time'][:-1])  # RFC 3339, UTC
def of(container, kind):
    return [e for e in events if e.get('container') == container and e['type'] == kind]
assert events[-1]['type'] == 'down' and 'container' not in events[-1], events[-1]
assert [e for e in events if e['type'] == 'up' and 'container' not in e]
# hog: started, OOM-killed, restarted once, started again, OOM-killed for good.
assert [e['run'] for e in of('hog', 'start')] == [1, 2], of('hog', 'start')
assert all(e['pid'] > 0 for e in of('hog', 'start'))
exits = of('hog', 'exit')
assert len(exits) == 2 and all(e['oom_killed'] and e['status'] == 'oom' for e in exits), exits
assert of('hog', 'oom') and of('hog', 'oom')[0]['oom_kills'] >= 1, of('hog', 'oom')
restarts = of('hog', 'restart')
assert len(restarts) == 1 and restarts[0]['restart_count'] == 1, restarts
assert restarts[0]['after'] == 'OOM kill' and restarts[0]['delay_ms'] >= 0, restarts
# quitter: exit code 3, no restart.
[quit] = of('quitter', 'exit')
assert quit['exit_code'] == 3 and quit['signal'] == 0 and not quit['oom_killed'], quit
assert quit['status'] == 'exited' and quit['reason'] == 'exit code 3', quit
assert not of('quitter', 'restart')
# flaky: healthy, then unhealthy after 2 failed checks; paused and unpaused; stopped by down,
# exit by signal.
health = [(e['status'], e['failures']) for e in of('flaky', 'health')]
assert health == [('healthy', 0), ('unhealthy', 2)], health
assert of('flaky', 'pause') and of('flaky', 'unpause')
[stopped] = of('flaky', 'exit')
assert stopped['status'] == 'stopped', stopped
# In order: a container's start before its exit, the restart between the two runs.
index = {id(e): i for i, e in enumerate(events)}
assert index[id(of('hog', 'exit')[0])] < index[id(restarts[0])] < index[id(of('hog', 'start')[1])]
EOF_PY
  # The text form, only quitter's events and the lab's.
  cat "$TEST_DIR/quitter.txt"
  grep -Eq '^[0-9-]+T[0-9:.]+Z start quitter \(pid=[0-9]+, run=1\)$' "$TEST_DIR/quitter.txt"
  grep -q ' exit quitter (exit_code=3, signal=0, oom_killed=false, status=exited, reason=exit code 3)$' \
    "$TEST_DIR/quitter.txt"
  grep -q ' down e2e-events$' "$TEST_DIR/quitter.txt"
  ! grep -q 'hog\|flaky' "$TEST_DIR/quitter.txt"
  assert_nothing_left e2e-events
}

@test "events follows the file across its rotation (renamed to events.jsonl.1, a new one started)" {
  sleeping_lab e2e-events3
  srcompose -f "$LAB" up -d
  timeout 30 "$SRCOMPOSE" -p e2e-events3 events --json >"$TEST_DIR/events.jsonl" &
  follower=$!
  wait_until "grep -q '\"type\":\"up\"' '$TEST_DIR/events.jsonl'" 10
  # A rotation as the follower sees it, made here: a last line, the rename, a new file. (The
  # supervisor's own writes keep going to the file it holds open, renamed, which nobody reads any more:
  # the supervisor itself closes it before renaming.)
  state=$SRCOMPOSE_STATE_DIR/e2e-events3
  echo '{"time":"2026-01-01T00:00:00Z","type":"marker","project":"e2e-events3"}' >>"$state/events.jsonl"
  mv "$state/events.jsonl" "$state/events.jsonl.1"
  echo '{"time":"2026-01-01T00:00:01Z","type":"marker2","project":"e2e-events3"}' >"$state/events.jsonl"
  wait_until "grep -q '\"type\":\"marker2\"' '$TEST_DIR/events.jsonl'" 10
  # A follower started now reads both files, the rotated one first.
  timeout 10 "$SRCOMPOSE" -p e2e-events3 events --json >"$TEST_DIR/second.jsonl" &
  second=$!
  wait_until "grep -q '\"type\":\"marker2\"' '$TEST_DIR/second.jsonl'" 10
  srcompose -p e2e-events3 down
  # Both end with the lab's state directory.
  wait "$follower"
  wait "$second"
  python3 - "$TEST_DIR/events.jsonl" "$TEST_DIR/second.jsonl" <<'EOF_PY'
import json, sys
for name in sys.argv[1:]:
    types = [json.loads(line)['type'] for line in open(name)]
    assert types == ['start', 'up', 'marker', 'marker2'], (name, types)
EOF_PY
  assert_nothing_left e2e-events3
}

@test "events ends when the supervisor is killed; a lab down has no events" {
  sleeping_lab e2e-events2
  srcompose -f "$LAB" up -d
  timeout 30 "$SRCOMPOSE" -p e2e-events2 events --json >"$TEST_DIR/events.jsonl" &
  follower=$!
  wait_until "grep -q '\"type\":\"up\"' '$TEST_DIR/events.jsonl'" 10
  kill -9 "$(cat "$SRCOMPOSE_STATE_DIR/e2e-events2/lock")"
  wait "$follower"
  srcompose -p e2e-events2 down
  run srcompose -p e2e-events2 events
  [ "$status" -eq 1 ]
  assert_nothing_left e2e-events2
}
