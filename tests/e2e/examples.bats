#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Every example of examples/ runs and shows what its README section says (issue 7).

load helpers
load batch_class

setup() {
  setup_lab_env
  STORAGE=/var/lib/srcompose  # the examples use the default storage
  EXAMPLES=$SRCOMPOSE_SOURCE_DIR/examples
}
teardown() { teardown_lab_env; }

@test "hostname.toml: the container renames itself; the host's hostname does not change" {
  PROJECT=hostname
  host_before=$(hostname)
  run srcompose up -f "$EXAMPLES/hostname.toml" --no-color
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"box | before: box"* ]]
  [[ "$output" == *"box | after: renamed-inside"* ]]
  [ "$(hostname)" = "$host_before" ]
  assert_nothing_left hostname
}

@test "idmap.toml: root inside both, two different unprivileged ids on the host" {
  PROJECT=idmap
  srcompose up -f "$EXAMPLES/idmap.toml" -d
  wait_until "srcompose -p idmap logs alice | grep -q 'uid=0(root)'"
  wait_until "srcompose -p idmap logs bob | grep -q 'uid=0(root)'"
  alice=$(container_pid alice)
  bob=$(container_pid bob)
  # The workload (sleep) is the init's child; its host uid is the mapped one.
  alice_sleep=$(pgrep -P "$alice" sleep)
  bob_sleep=$(pgrep -P "$bob" sleep)
  [ "$(awk '/^Uid:/ {print $2}' /proc/$alice_sleep/status)" = "200000" ]
  [ "$(awk '/^Uid:/ {print $2}' /proc/$bob_sleep/status)" = "300000" ]
  [ "$(stat -c %u /var/lib/srcompose/containers/idmap/alice/upper/root/created-by-alice)" = "200000" ]
  [ "$(stat -c %u /var/lib/srcompose/containers/idmap/bob/upper/root/created-by-bob)" = "300000" ]
  srcompose -p idmap down
  assert_nothing_left idmap
}

@test "memory.toml: the hog is OOM-killed and restarted; ps shows the OOM kills; the neighbour is untouched" {
  PROJECT=memory
  srcompose up -f "$EXAMPLES/memory.toml" -d
  wait_until "[ \"\$(ps_field hog 'len(c[\"restarts\"])')\" -ge 1 ]" 30
  [ "$(ps_field hog "c['restarts'][0]['reason']")" = "OOM kill" ]
  run srcompose -p memory ps -a
  echo "$output"
  [[ "$output" =~ hog\ .*(OOM\ kill) ]]
  [ "$(ps_field neighbour "c['state']")" = "running" ]
  [ "$(ps_field neighbour "len(c['restarts'])")" = "0" ]
  srcompose -p memory down
  assert_nothing_left memory
}

@test "cpu.toml: weights 100 and 1000 on one CPU share it between 1:5 and 1:20" {
  PROJECT=cpu
  srcompose up -f "$EXAMPLES/cpu.toml" -d
  sleep 4
  light=$(ps_field light "c['usage']['cpu_user_usec'] + c['usage']['cpu_system_usec']")
  heavy=$(ps_field heavy "c['usage']['cpu_user_usec'] + c['usage']['cpu_system_usec']")
  echo "light=$light heavy=$heavy"
  python3 -c "r = $heavy / max($light, 1); print('ratio', r); assert 5 <= r <= 20, r"
  srcompose -p cpu down
  assert_nothing_left cpu
}

@test "blkio.toml: direct-I/O writes and reads of 4 MiB under 1 MiB/s take about 4 s each" {
  PROJECT=blkio
  run srcompose up -f "$EXAMPLES/blkio.toml" --no-color
  echo "$output"
  [ "$status" -eq 0 ]
  write_s=$(echo "$output" | sed -n 's/.*write: \([0-9]*\) s.*/\1/p')
  read_s=$(echo "$output" | sed -n 's/.*read: \([0-9]*\) s.*/\1/p')
  [ "$write_s" -ge 3 ] && [ "$write_s" -le 7 ]
  [ "$read_s" -ge 3 ] && [ "$read_s" -le 7 ]
  assert_nothing_left blkio
}

@test "lab.toml: the grader checks the service and the student (bob) and exits with the failures" {
  PROJECT=gradelab
  run srcompose run -f "$EXAMPLES/lab.toml" --no-color --results "$TEST_DIR/out" grader
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"PASS service"* ]]
  [[ "$output" == *"FAIL student echo: expected 'ping', got 'PING'"* ]]
  grep -q "FAIL student echo" "$TEST_DIR/out/grader.log"
  validate_report "$TEST_DIR/out/report.json"
  assert_nothing_left gradelab
}

@test "lab.toml with submissions/: batch grades the sample class, one instance per student" {
  run srcompose batch -f "$EXAMPLES/lab.toml" --items "$EXAMPLES/submissions/" --run grader \
    --results "$TEST_DIR/out"
  echo "$output"
  [ "$status" -eq 0 ]
  assert_sample_class_graded "$TEST_DIR/out"
}
