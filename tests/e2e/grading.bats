#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
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
  run srcompose -f "$LAB" run --report "$TEST_DIR/never.json" grader /no/such/program
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"/no/such/program"*"No such file or directory"* ]]
  validate_report "$TEST_DIR/never.json"
  python3 -c "
import json
record = json.load(open('$TEST_DIR/never.json'))['containers'][0]
assert record['status'] == 'failed_to_start', record
assert '/no/such/program' in record['error'] and record['exit_code'] is None, record
"
  assert_nothing_left e2e-runcmd
}

@test "run -e -u -w: set over the container's own for this run only; a bad one is an error that names it" {
  write_lab e2e-runenv <<'EOF_LAB'
[containers.grader]
rootfs = "builtin:busybox"
env = { LABVAR = "lab", CHANGED = "lab" }
command = ["/bin/true"]
EOF_LAB
  export FROM_HERE="host value"
  unset NOT_HERE
  run srcompose -f "$LAB" run -e CHANGED=run -e FROM_HERE -e NOT_HERE -e EQ=a=b -u 1000:1001 \
    -w /tmp grader /bin/sh -c \
    'echo "env $LABVAR $CHANGED [$FROM_HERE] ${NOT_HERE-unset} $EQ id $(id -u):$(id -g) pwd $PWD home $HOME"'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"env lab run [host value] unset a=b id 1000:1001 pwd /tmp home /"* ]]
  # -u root: HOME follows it, as it follows the lab file's user; --env, --user, --workdir alike.
  run srcompose -f "$LAB" run --user root --workdir /etc --env CHANGED=long grader /bin/sh -c \
    'echo "$CHANGED $(id -u) $PWD $HOME"'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"long 0 /etc /root"* ]]
  run srcompose -f "$LAB" run -w tmp grader /bin/true
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"-w tmp: expected an absolute path"* ]]
  run srcompose -f "$LAB" run -e =x grader /bin/true
  [ "$status" -eq 1 ]
  [[ "$output" == *"-e =x: expected KEY=VALUE or KEY"* ]]
  run srcompose -f "$LAB" run -u nosuchuser grader /bin/true
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"grader"*"nosuchuser"* ]]
  assert_nothing_left e2e-runenv
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

@test "verdicts: cpu_time and wall_time stop endless loops, a segfault is signaled 11, exit codes stay exit codes" {
  write_lab e2e-verdict <<'EOF_LAB'
[containers.spin]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "while :; do :; done"]
limits = { cpu_time = "300ms" }
restart = "always"

[containers.sleeper]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
limits = { wall_time = "700ms" }

[containers.crash]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "kill -SEGV $$$$"]

[containers.fake]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "exit 139"]

[containers.fine]
rootfs = "builtin:busybox"
command = ["/bin/true"]
EOF_LAB
  start=$(date +%s%N)
  run timeout 60 "$SRCOMPOSE" -f "$LAB" up --no-color --report "$TEST_DIR/report.json"
  echo "$output"
  elapsed_ms=$((($(date +%s%N) - start) / 1000000))
  [ "$elapsed_ms" -lt 20000 ]
  [[ "$output" == *"spin cpu_time limit reached"* ]]
  python3 - "$TEST_DIR/report.json" <<'EOF_PY'
import json, sys
records = {r['name']: r for r in json.load(open(sys.argv[1]))['containers']}
for name, record in records.items():
    print(name, record['status'], record['exit_code'], record['signal'], record['cpu_user_usec'] + record['cpu_system_usec'], record['wall_time_ms'])
spin = records['spin']
assert spin['status'] == 'cpu_time', spin
# Killed within 100 ms of its budget, and restart = "always" did not buy it more time.
assert 300_000 <= spin['cpu_user_usec'] + spin['cpu_system_usec'] <= 400_000, spin
assert spin['restarts'] == [], spin
sleeper = records['sleeper']
assert sleeper['status'] == 'wall_time', sleeper
assert 700 <= sleeper['wall_time_ms'] <= 800 + 200, sleeper
crash = records['crash']
assert crash['status'] == 'signaled' and crash['signal'] == 11 and crash['exit_code'] == 139, crash
assert crash['rusage']['max_rss_kib'] > 0, crash
fake = records['fake']
assert fake['status'] == 'exited' and fake['signal'] == 0 and fake['exit_code'] == 139, fake
assert records['fine']['status'] == 'ok' and records['fine']['exit_code'] == 0
EOF_PY
  assert_nothing_left e2e-verdict
}

@test "two runs of a lab: equal fingerprints, equal reports apart from timings, MACs included; the report follows its schema" {
  write_lab e2e-same <<'EOF_LAB'
[networks.net]
subnet = "10.231.13.0/24"

[containers.server]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "exec sleep 3600"]
networks = ["net"]

[containers.grader]
rootfs = "builtin:busybox"
depends_on = ["server"]
command = ["/bin/sh", "-c", "cat /sys/class/net/eth0/address; echo score 7"]
networks = ["net"]
EOF_LAB
  one=$(srcompose -f "$LAB" config --fingerprint)
  two=$(srcompose -f "$LAB" config --fingerprint)
  [[ "$one" =~ ^sha256:[0-9a-f]{64}$ ]]
  [ "$one" = "$two" ]
  run srcompose -f "$LAB" config
  [[ "$output" == *"# grader: uid 0->"*"(65536)"* ]]
  for i in 1 2; do
    run srcompose -f "$LAB" run --results "$TEST_DIR/out$i" grader
    echo "$output"
    [ "$status" -eq 0 ]
    validate_report "$TEST_DIR/out$i/report.json"
  done
  # The same MAC address on both runs.
  mac1=$(grep -o '[0-9a-f:]\{17\}' "$TEST_DIR/out1/grader.log")
  mac2=$(grep -o '[0-9a-f:]\{17\}' "$TEST_DIR/out2/grader.log")
  [ -n "$mac1" ]
  [ "$mac1" = "$mac2" ]
  python3 - "$TEST_DIR/out1/report.json" "$TEST_DIR/out2/report.json" "$one" <<'EOF_PY'
import json, sys
timing = {'started_at', 'ended_at', 'time', 'wall_time_ms', 'cpu_user_usec', 'cpu_system_usec',
          'memory_peak', 'pids_peak', 'io_read_bytes', 'io_write_bytes', 'rusage'}
def strip(value):
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in timing}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value
one, two = (json.load(open(path)) for path in sys.argv[1:3])
assert one['fingerprint'] == two['fingerprint'] == sys.argv[3], (one['fingerprint'], sys.argv[3])
assert strip(one) == strip(two), (strip(one), strip(two))
records = {r['name']: r for r in one['containers']}
assert records['grader']['status'] == 'ok'
assert records['server']['status'] == 'stopped'
assert one['cgroup_layout'] in ('unified', 'hybrid', 'legacy')
EOF_PY
  assert_nothing_left e2e-same
}

@test "limits.disk: a 10 GB write stops at the limit with ENOSPC, the host's disk is untouched, nothing is left" {
  write_lab e2e-disk <<'EOF_LAB'
[containers.writer]
rootfs = "builtin:busybox"
limits = { disk = "64M", memory = "256M" }
command = ["/bin/sh", "-c", "df -k / | tail -1; dd if=/dev/zero of=/big bs=1M count=10240; echo dd=$?; echo written=$(wc -c < /big)"]
EOF_LAB
  mkdir -p "$STORAGE"
  before=$(df -k --output=avail "$STORAGE" | tail -1)
  start=$(date +%s)
  run srcompose -f "$LAB" run writer
  echo "$output"
  after=$(df -k --output=avail "$STORAGE" | tail -1)
  echo "host free KiB before $before, after $after"
  [ "$status" -eq 0 ]
  [[ "$output" == *"No space left on device"* ]]
  [[ "$output" == *"dd=1"* ]]
  # The root filesystem shows the limit as its size, and the file stopped just short of it.
  grep -Eq '^[^ ]+ +65536 +[0-9]+ +[0-9]+ +[0-9]+% +/$' <<<"$output"
  written=$(sed -n 's/^written=//p' <<<"$output")
  [ "$written" -gt $((56 * 1024 * 1024)) ]
  [ "$written" -le $((64 * 1024 * 1024)) ]
  [ $(($(date +%s) - start)) -lt 60 ]
  # Nothing went to the host's disk (other writers on the host may move it by a few MB).
  [ $((before - after)) -lt $((16 * 1024)) ]
  assert_nothing_left e2e-disk
}

@test "an idmap = true bind mount: what the container's root writes belongs to the folder's owner on the host" {
  results=$TEST_DIR/results
  mkdir -p "$results"
  chown 4321:4322 "$results"
  chmod 0700 "$results"
  write_lab e2e-idmap <<EOF_LAB
[containers.grader]
rootfs = "builtin:busybox"
mounts = [{ source = "$results", target = "/results", idmap = true }]
command = ["/bin/sh", "-c", "echo 7 > /results/score && mkdir /results/logs && ls -lnd /results /results/score"]
EOF_LAB
  run srcompose -f "$LAB" run grader
  echo "$output"
  [ "$status" -eq 0 ]
  # Inside, the folder and the new file are root's.
  [[ "$(grep ' /results$' <<<"$output")" =~ ^d[-rwx]+\ +[0-9]+\ +0\ +0\  ]]
  [[ "$(grep ' /results/score$' <<<"$output")" =~ ^-[-rwx]+\ +[0-9]+\ +0\ +0\  ]]
  # On the host, they are the folder owner's.
  [ "$(stat -c %u:%g "$results/score")" = "4321:4322" ]
  [ "$(stat -c %u:%g "$results/logs")" = "4321:4322" ]
  [ "$(cat "$results/score")" = "7" ]
  assert_nothing_left e2e-idmap

  # A folder of host root's is refused: the container's root would make host-root files there.
  chown 0:0 "$results"
  run srcompose -f "$LAB" run grader
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"mount /results"*"is owned by host root"* ]]
  assert_nothing_left e2e-idmap
}
