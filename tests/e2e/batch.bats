#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# srcompose batch (issue 15), locally: a class of 12 submissions at -j 4, interrupted and resumed;
# items from CSV and list files; mistakes found before anything runs.

load helpers
load batch_class

setup() { setup_lab_env; }
teardown() {
  local project
  for project in $(ls "$SRCOMPOSE_STATE_DIR" 2>/dev/null); do
    "$SRCOMPOSE" -p "$project" down >/dev/null 2>&1 || true
  done
  teardown_lab_env
}

@test "a class of 12 at -j 4: Ctrl-C stops every instance cleanly, the resumed batch runs only the rest, the summary grades everyone" {
  make_class "$TEST_DIR"
  out=$TEST_DIR/out
  interrupt_batch "$TEST_DIR/first.txt" -f "$TEST_DIR/lab.toml" --items "$TEST_DIR/class" \
    --run grader -j 4 --results "$out"
  [ "$status" -eq 130 ]
  grep -q "interrupted: stopping" "$TEST_DIR/first.txt"
  assert_no_instance_left
  [ -z "$(ls "$SRCOMPOSE_STATE_DIR" | grep batchlab)" ]
  complete=$(ls "$out"/*/done.json | wc -l)
  echo "complete after the interrupt: $complete"
  [ "$complete" -ge 2 ] && [ "$complete" -lt 12 ]
  # The summary of the interrupted batch says which items did not run.
  [ "$(grep -c ',not_run,' "$out/summary.csv")" -eq $((12 - complete)) ]
  sha256sum "$out"/*/done.json >"$TEST_DIR/complete.sha256"

  run srcompose batch -f "$TEST_DIR/lab.toml" --items "$TEST_DIR/class" --run grader -j 4 \
    --results "$out"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"12 items of $TEST_DIR/lab.toml, $((12 - complete)) to run ($complete complete), 4 at a time"* ]]
  # Complete items were not run again.
  sha256sum --check --quiet "$TEST_DIR/complete.sha256"
  assert_no_instance_left

  summary_grades "$out/summary.csv" >"$TEST_DIR/grades.txt"
  cat "$TEST_DIR/grades.txt"
  diff <(expected_grades) "$TEST_DIR/grades.txt"
  # Each item's directory holds the run's report and every container's log.
  grep -q "s03: got 'PING'" "$out/s03/grader.log"
  grep -q crashing "$out/s05/submission.log"
  python3 - "$out/summary.json" <<'EOF_PY'
import json, sys
summary = json.load(open(sys.argv[1]))
assert summary["run"] == "grader", summary
assert summary["counts"] == {"done": 12, "failed": 0, "not_run": 0}, summary["counts"]
items = {item["item"]: item for item in summary["items"]}
assert sorted(items) == ["s%02d" % n for n in range(1, 13)], sorted(items)
crash = {c["name"]: c for c in items["s05"]["containers"]}
assert crash["submission"]["exit_code"] == 139, crash  # SIGSEGV
for item in items.values():
    assert item["project"] == "batchlab-" + item["item"], item
    assert item["duration_ms"] > 0 and item["ended_at"] > item["started_at"], item
    assert all(c["memory_peak"] > 0 for c in item["containers"]), item
EOF_PY
}

@test "CSV items: every column is a variable; --rerun runs complete items again; a list file" {
  mkdir -p "$TEST_DIR/work"
  write_lab csvlab <<'EOF_LAB'
[containers.grader]
rootfs = "builtin:busybox"
network_mode = "none"
command = ["/bin/sh", "-c", "echo \"${ITEM} (${ITEM_PATH}) says ${greeting}\"; exit ${code}"]
EOF_LAB
  printf 'student,greeting,code\n"Smith, Ann",hello,0\nbob,"two words",3\n' >"$TEST_DIR/work/roster.csv"
  run srcompose batch -f "$LAB" --items "$TEST_DIR/work/roster.csv" --results "$TEST_DIR/out"
  echo "$output"
  [ "$status" -eq 0 ]
  grep -q "Smith, Ann ($TEST_DIR/work/Smith, Ann) says hello" "$TEST_DIR/out/smith-ann/grader.log"
  grep -q "bob ($TEST_DIR/work/bob) says two words" "$TEST_DIR/out/bob/grader.log"
  grep -q '^"Smith, Ann",csvlab-smith-ann,done,0,ok,' "$TEST_DIR/out/summary.csv"
  grep -q '^bob,csvlab-bob,done,3,exited,' "$TEST_DIR/out/summary.csv"

  run srcompose batch -f "$LAB" --items "$TEST_DIR/work/roster.csv" --results "$TEST_DIR/out"
  [ "$status" -eq 0 ]
  [[ "$output" == *"0 to run (2 complete)"* ]]
  run srcompose batch -f "$LAB" --items "$TEST_DIR/work/roster.csv" --results "$TEST_DIR/out" --rerun
  [ "$status" -eq 0 ]
  [[ "$output" == *"2 to run (2 complete)"* ]]
  [[ "$output" == *"bob: grader exit code 3 (exited)"* ]]

  printf '# a list\ncarol\n\ndave\n' >"$TEST_DIR/work/list.txt"
  run srcompose batch -f "$LAB" --items "$TEST_DIR/work/list.txt" --results "$TEST_DIR/out2" \
    --env-file /dev/null
  echo "$output"
  # ${greeting} and ${code} are unset: code is empty, so `exit` keeps the echo's status 0.
  [ "$status" -eq 0 ]
  [ "$(cut -d, -f1,3 "$TEST_DIR/out2/summary.csv")" = "$(printf 'item,result\ncarol,done\ndave,done')" ]
}

@test "mistakes are found before any instance starts: a missing --run container, a bad CSV, an item whose lab does not load" {
  mkdir -p "$TEST_DIR/class/alice"
  write_lab mistakes <<'EOF_LAB'
[containers.student]
rootfs = "builtin:busybox"
network_mode = "none"
mounts = [{ source = "${ITEM_PATH}/src", target = "/src" }]
EOF_LAB
  mkdir -p "$TEST_DIR/class/alice/src"
  run srcompose batch -f "$LAB" --items "$TEST_DIR/class" --results "$TEST_DIR/out"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no container grader in $LAB: name the one to run with --run"* ]]
  mkdir -p "$TEST_DIR/class/bob"  # without src/
  run srcompose batch -f "$LAB" --items "$TEST_DIR/class" --run student --results "$TEST_DIR/out"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"$TEST_DIR/class/bob/src"* ]]
  [[ "$output" == *"item bob: 1 error(s) in $LAB"* ]]
  printf 'student,first name\nalice,A\n' >"$TEST_DIR/roster.csv"
  run srcompose batch -f "$LAB" --items "$TEST_DIR/roster.csv" --run student
  [ "$status" -eq 1 ]
  [[ "$output" == *"$TEST_DIR/roster.csv:1: column \"first name\": a header names a variable"* ]]
  [ ! -e "$TEST_DIR/out/alice" ]
  [ -z "$(ls "$SRCOMPOSE_STATE_DIR" 2>/dev/null | grep mistakes)" ]
}
