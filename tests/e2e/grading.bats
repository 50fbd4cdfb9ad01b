#!/usr/bin/env bats
# Grading runs (issue 11): run, wait, --wait-timeout, unhealthy dependencies, results that outlive
# the lab.

load helpers

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

@test "run: a student crashing before the grader starts does not end the run; exit code, output and results are the grader's" {
  write_lab e2e-run <<'EOF_LAB'
[containers.s1]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "echo s1 crashing; exit 2"]

[containers.s2]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "echo s2 serving; exec sleep 3600"]

[containers.grader]
rootfs = "builtin:busybox"
depends_on = ["s1", "s2"]
command = ["/bin/sh", "-c", "sleep 0.5; echo grading done; echo to-stderr >&2; exit 3"]

[containers.unrelated]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "echo unrelated; exec sleep 3600"]
EOF_LAB
  run srcompose -f "$LAB" run --no-color --results "$TEST_DIR/out" grader
  echo "$output"
  [ "$status" -eq 3 ]
  [[ "$output" == *"grading done"* ]]
  [[ "$output" == *"to-stderr"* ]]
  # Only the grader's output is attached, as it is, without a "name |" prefix.
  [[ "$output" != *"s1 crashing"* ]]
  [[ "$output" != *"| grading done"* ]]
  # Containers the grader does not depend on are not started.
  [[ "$output" != *"unrelated"* ]]
  [ -f "$TEST_DIR/out/report.json" ]
  grep -q "s1 crashing" "$TEST_DIR/out/s1.log"
  grep -q "s2 serving" "$TEST_DIR/out/s2.log"
  grep -q "grading done" "$TEST_DIR/out/grader.log"
  [ ! -e "$TEST_DIR/out/unrelated.log" ]
  python3 -c "
import json
report = json.load(open('$TEST_DIR/out/report.json'))
records = {r['name']: r for r in report['containers']}
assert set(records) == {'s1', 's2', 'grader'}, records
assert records['s1']['exit_code'] == 2
assert records['grader']['exit_code'] == 3
"
  assert_nothing_left e2e-run
}

@test "run with a command replaces the container's; a container that never ran gives 125" {
  write_lab e2e-runcmd <<'EOF_LAB'
[containers.grader]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "exit 1"]
EOF_LAB
  run srcompose -f "$LAB" run grader /bin/sh -c 'echo "args: $*"; exit 5' zero -p x
  echo "$output"
  [ "$status" -eq 5 ]
  [[ "$output" == *"args: -p x"* ]]
  run srcompose -f "$LAB" run grader /no/such/program
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"/no/such/program"*"No such file or directory"* ]]
  assert_nothing_left e2e-runcmd
}

@test "wait blocks until the containers end and returns the first one's exit code" {
  write_lab e2e-wait <<'EOF_LAB'
[containers.quick]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "sleep 0.5; exit 4"]

[containers.server]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
EOF_LAB
  run srcompose -f "$LAB" up -d
  [ "$status" -eq 0 ]
  run srcompose -p e2e-wait wait quick
  echo "$output"
  [ "$status" -eq 4 ]
  [[ "$output" == *"quick: 4"* ]]
  run srcompose -p e2e-wait down
  [ "$status" -eq 0 ]
  assert_nothing_left e2e-wait
}

@test "up fails with 'container X is unhealthy' when a healthy dependency fails its retries; --wait-timeout bounds the wait" {
  write_lab e2e-unhealthy <<'EOF_LAB'
[containers.db]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
healthcheck = { command = ["/bin/false"], interval = "100ms", retries = 2 }

[containers.app]
rootfs = "builtin:busybox"
depends_on = { db = { condition = "healthy" } }
command = ["/bin/sleep", "3600"]
EOF_LAB
  run timeout 30 "$SRCOMPOSE" -f "$LAB" up -d
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"container db is unhealthy"* ]]
  assert_nothing_left e2e-unhealthy

  write_lab e2e-slow <<'EOF_LAB'
[containers.db]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
healthcheck = { command = ["/bin/false"], interval = "10s", start_period = "1h", retries = 1 }
EOF_LAB
  start=$(date +%s)
  run timeout 30 "$SRCOMPOSE" -f "$LAB" up -d --wait --wait-timeout 1s
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"timed out after 1s waiting for container db to become healthy"* ]]
  [ $(($(date +%s) - start)) -lt 10 ]
  assert_nothing_left e2e-slow
}
