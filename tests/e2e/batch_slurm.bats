#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# srcompose batch --slurm (issue 15), for real: a single-node Slurm cluster started by the test runs
# the class of batch_class.bash as one job array, and its summary equals the local batch's apart
# from timings; a node with another srcompose or other images refuses its tasks.

load helpers
load batch_class
load slurm_cluster

# One cluster for the file; teardown_file stops it and fails if anything of it is left.
setup_file() {
  require_root
  start_slurm_cluster
}
teardown_file() { stop_slurm_cluster; }

setup() { setup_lab_env; }
teardown() {
  # A failed test may leave tasks running: cancel them before their labs are taken down.
  scancel --full --quiet --user=root 2>/dev/null || true
  wait_until '[ -z "$(squeue -h)" ]' 30 || true
  local project
  for project in $(ls "$SRCOMPOSE_STATE_DIR" 2>/dev/null); do
    "$SRCOMPOSE" -p "$project" down >/dev/null 2>&1 || true
  done
  teardown_lab_env
}

@test "--slurm runs the class as one job array; the summary equals the local batch's apart from timings" {
  make_class "$TEST_DIR"
  run srcompose batch -f "$TEST_DIR/lab.toml" --items "$TEST_DIR/class" -j 4 \
    --results "$TEST_DIR/local"
  echo "$output"
  [ "$status" -eq 0 ]

  run srcompose batch -f "$TEST_DIR/lab.toml" --items "$TEST_DIR/class" -j 4 \
    --results "$TEST_DIR/slurm-out" --slurm --slurm-arg=--partition=test
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"submitted job array "*" (12 tasks, 4 at a time)"* ]]
  grep -q '^#SBATCH --array=0-11%4$' "$TEST_DIR/slurm-out/.slurm/job.sh"
  # Every task ran on the node, through Slurm.
  [ "$(cut -d, -f10 "$TEST_DIR/slurm-out/summary.csv" | sort -u)" = "$(printf 'host\n%s' "$(hostname)")" ]
  [ -f "$TEST_DIR/slurm-out/.slurm/task-11.out" ]

  summary_grades "$TEST_DIR/local/summary.csv" >"$TEST_DIR/local.txt"
  summary_grades "$TEST_DIR/slurm-out/summary.csv" >"$TEST_DIR/slurm.txt"
  cat "$TEST_DIR/slurm.txt"
  diff <(expected_grades) "$TEST_DIR/local.txt"
  # Every column but the timings, hosts and memory peaks is the same: grades, statuses, errors,
  # projects, fingerprints.
  summary_without_timings "$TEST_DIR/local/summary.csv" >"$TEST_DIR/local-all.csv"
  summary_without_timings "$TEST_DIR/slurm-out/summary.csv" >"$TEST_DIR/slurm-all.csv"
  diff "$TEST_DIR/local-all.csv" "$TEST_DIR/slurm-all.csv"
  [ "$(wc -l <"$TEST_DIR/slurm-all.csv")" -eq 13 ]
  assert_no_instance_left
}

@test "the sample class of examples/ through --slurm: the README's command grades it as a local batch does" {
  STORAGE=/var/lib/srcompose # the examples use the default storage
  run srcompose batch -f "$SRCOMPOSE_SOURCE_DIR/examples/lab.toml" \
    --items "$SRCOMPOSE_SOURCE_DIR/examples/submissions/" --run grader --results "$TEST_DIR/out" --slurm
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"submitted job array "*" (4 tasks, "*" at a time)"* ]]
  [ -f "$TEST_DIR/out/.slurm/task-3.out" ]
  assert_sample_class_graded "$TEST_DIR/out"
}

@test "--slurm-dry-run prints the job script and submits nothing" {
  make_class "$TEST_DIR"
  run srcompose batch -f "$TEST_DIR/lab.toml" --items "$TEST_DIR/class" -j 3 \
    --results "$TEST_DIR/out" --slurm-dry-run --slurm-arg=--time=10
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"#SBATCH --array=0-11%3"* ]]
  [[ "$output" == *"# submitted as: sbatch --parsable '--time=10' SCRIPT"* ]]
  [[ "$output" == *"export ITEM_PATH='$TEST_DIR/class/s12'"* ]]
  [[ "$output" == *"'-p' 'batchlab-s12' 'run' '--no-color' '--results' '$TEST_DIR/out/s12' 'grader'"* ]]
  # A task Slurm ends (scancel, time limit) removes what its instance left.
  [[ "$output" == *"cleanup=('$SRCOMPOSE' '-f' '$TEST_DIR/lab.toml' '-p' 'batchlab-s12' 'down')"* ]]
  # Each task checks its node's srcompose and images against these before it runs anything.
  [[ "$output" == *"expected_version='$("$SRCOMPOSE" version | head -n 1)"* ]]
  [[ "$output" == *"[ \"\${digest%% *}\" = $(sha256sum </bin/busybox | cut -d' ' -f1) ]"* ]]
  [ ! -e "$TEST_DIR/out" ]
  [ -z "$(squeue -h)" ]
}

@test "a node with another srcompose or another image fails its task clearly; the item is failed and runs again later" {
  make_class "$TEST_DIR"
  mkdir -p "$TEST_DIR/two"
  mv "$TEST_DIR/class/s01" "$TEST_DIR/class/s02" "$TEST_DIR/two/"
  srcompose batch -f "$TEST_DIR/lab.toml" --items "$TEST_DIR/two" --results "$TEST_DIR/out" \
    --slurm-dry-run >"$TEST_DIR/job.sh"
  # What a node with another build or another busybox would see.
  sed "s/^expected_version='srcompose [^ ]*/expected_version='srcompose 9.9.9/" \
    "$TEST_DIR/job.sh" >"$TEST_DIR/other-version.sh"
  sed -E 's/[0-9a-f]{64}/0000000000000000000000000000000000000000000000000000000000000000/g' \
    "$TEST_DIR/job.sh" >"$TEST_DIR/other-image.sh"
  [ "$(cat "$TEST_DIR/job.sh")" != "$(cat "$TEST_DIR/other-version.sh")" ]
  [ "$(cat "$TEST_DIR/job.sh")" != "$(cat "$TEST_DIR/other-image.sh")" ]
  mkdir -p "$TEST_DIR/out/.slurm"

  sbatch --wait --array=0 "$TEST_DIR/other-version.sh" || true
  cat "$TEST_DIR/out/.slurm/task-0.out"
  grep -q "srcompose batch: task 0 (s01) on $(hostname -s): srcompose differs: this node has 'srcompose .* (git .*)', the batch was submitted with 'srcompose 9.9.9 (git" \
    "$TEST_DIR/out/.slurm/task-0.out"
  grep -q '"exit_code":125' "$TEST_DIR/out/s01/done.json"

  sbatch --wait --array=1 "$TEST_DIR/other-image.sh" || true
  cat "$TEST_DIR/out/.slurm/task-1.out"
  grep -q "image /bin/busybox differs: sha256 [0-9a-f]\{64\}, the batch was submitted with 0\{64\}" \
    "$TEST_DIR/out/.slurm/task-1.out"
  [ ! -e "$TEST_DIR/out/s01/report.json" ] && [ ! -e "$TEST_DIR/out/s02/report.json" ]

  # The refused items are failed, not grades, and a resumed batch runs them again.
  run srcompose batch -f "$TEST_DIR/lab.toml" --items "$TEST_DIR/two" --results "$TEST_DIR/out" --slurm
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"2 to run (0 complete)"* ]]
  grep -q '^s01,batchlab-s01,done,0,ok,' "$TEST_DIR/out/summary.csv"
}

@test "Ctrl-C on a --slurm batch cancels the array, every running instance removes its lab, the resumed batch runs the rest" {
  make_class "$TEST_DIR"
  out=$TEST_DIR/out
  interrupt_batch "$TEST_DIR/first.txt" -f "$TEST_DIR/lab.toml" --items "$TEST_DIR/class" -j 4 \
    --results "$out" --slurm
  [ "$status" -eq 130 ]
  grep -q "interrupted: cancelling job" "$TEST_DIR/first.txt"
  # The batch returned once the array was gone, and its instances took their labs down.
  [ -z "$(squeue -h)" ]
  assert_no_instance_left
  [ -z "$(ls "$SRCOMPOSE_STATE_DIR" | grep batchlab)" ]
  complete=$(grep -c ',done,' "$out/summary.csv")
  echo "complete after the interrupt: $complete"
  [ "$complete" -ge 2 ] && [ "$complete" -lt 12 ]
  [ "$(grep -c ',not_run,' "$out/summary.csv")" -eq $((12 - complete)) ]

  run srcompose batch -f "$TEST_DIR/lab.toml" --items "$TEST_DIR/class" -j 4 --results "$out" --slurm
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"$((12 - complete)) to run ($complete complete)"* ]]
  diff <(expected_grades) <(summary_grades "$out/summary.csv")
}
