#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10 items 1 and 11: `-p NAME` and the state directory, played as an attacker would. Nothing
# outside <state root>/<valid name> may be removed or written, whatever -p says or whatever was
# planted in the state root.

load helpers

setup() {
  setup_lab_env
  # What must survive: a directory beside the state root, another lab's state, a sibling "x".
  mkdir -p "$TEST_DIR/canary" "$TEST_DIR/x" "$SRCOMPOSE_STATE_DIR/other/logs"
  echo keep >"$TEST_DIR/canary/file"
  echo keep >"$TEST_DIR/x/file"
  chmod 0700 "$SRCOMPOSE_STATE_DIR/other"
  echo '{"containers":[]}' >"$SRCOMPOSE_STATE_DIR/other/state.json"
  # No lab file in the working directory: -p alone names the project.
  cd "$TEST_DIR"
}
teardown() {
  cd /
  teardown_lab_env
}

assert_untouched() {
  [ "$(cat "$TEST_DIR/canary/file")" = keep ]
  [ "$(cat "$TEST_DIR/x/file")" = keep ]
  [ -f "$SRCOMPOSE_STATE_DIR/other/state.json" ]
  [ -d "$SRCOMPOSE_STATE_DIR/other/logs" ]
}

@test "down -p with a name that is not a project name stops with an error and removes nothing" {
  for name in .. . "$TEST_DIR/canary" ../x ../canary other/.. "Other" "-x" "a/b"; do
    run srcompose -p "$name" down
    echo "down -p $name: $status: $output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"(from -p)"* ]]
    assert_untouched
  done
  [ -d "$SRCOMPOSE_STATE_DIR" ]
}

@test "every command validates -p when no lab file is read" {
  for name in .. . "$TEST_DIR/canary" ../x; do
    for command in ps logs "exec c true" stop start restart kill pause unpause; do
      # shellcheck disable=SC2086
      run srcompose -p "$name" $command
      echo "$command -p $name: $status: $output"
      [ "$status" -eq 1 ]
      [[ "$output" == *"(from -p)"* ]]
    done
  done
  assert_untouched
}

@test "down of a valid name removes only its own state directory" {
  mkdir -p "$SRCOMPOSE_STATE_DIR/mine/logs"
  chmod 0700 "$SRCOMPOSE_STATE_DIR/mine"
  echo x >"$SRCOMPOSE_STATE_DIR/mine/logs/c.log"
  # A symlink inside is unlinked, never followed.
  ln -s "$TEST_DIR/canary" "$SRCOMPOSE_STATE_DIR/mine/link"
  run srcompose -p mine down
  echo "$output"
  [ "$status" -eq 0 ]
  [ ! -e "$SRCOMPOSE_STATE_DIR/mine" ]
  assert_untouched
}

@test "a symlink at the state directory is refused by down, ps and exec, and nothing is followed" {
  # A fake state elsewhere, listing a host file as the container's cgroup.procs.
  mkdir -p "$TEST_DIR/elsewhere"
  echo keep >"$TEST_DIR/victim"
  cat >"$TEST_DIR/elsewhere/state.json" <<EOF
{"lab_file":"/nonexistent","storage_dir":"$TEST_DIR/canary","containers":[{"name":"c","pid":1,
"cgroup_procs_files":["$TEST_DIR/victim"]}]}
EOF
  ln -s "$TEST_DIR/elsewhere" "$SRCOMPOSE_STATE_DIR/evil"
  for command in down ps "exec c true"; do
    # shellcheck disable=SC2086
    run srcompose -p evil $command
    echo "$command: $status: $output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"symlink"* ]]
  done
  [ -L "$SRCOMPOSE_STATE_DIR/evil" ]
  [ -f "$TEST_DIR/elsewhere/state.json" ]
  [ "$(cat "$TEST_DIR/victim")" = keep ]
  assert_untouched
}

@test "symlinks planted inside a state directory are refused by up, ps and exec" {
  mkdir -p "$TEST_DIR/victimdir"
  chmod 0755 "$TEST_DIR/victimdir"
  echo keep >"$TEST_DIR/victim"
  sleeping_lab planted
  # logs/ pointing elsewhere: up must neither chmod nor write through it.
  mkdir -p "$SRCOMPOSE_STATE_DIR/planted"
  ln -s "$TEST_DIR/victimdir" "$SRCOMPOSE_STATE_DIR/planted/logs"
  run srcompose -f "$LAB" up -d
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"symlink"* ]]
  [ "$(stat -c %a "$TEST_DIR/victimdir")" = 755 ]
  [ -z "$(ls -A "$TEST_DIR/victimdir")" ]
  rm "$SRCOMPOSE_STATE_DIR/planted/logs"

  # The lock pointing at a host file: up must not truncate it.
  ln -s "$TEST_DIR/victim" "$SRCOMPOSE_STATE_DIR/planted/lock"
  run srcompose -f "$LAB" up -d
  echo "$output"
  [ "$status" -eq 1 ]
  [ "$(cat "$TEST_DIR/victim")" = keep ]
  rm "$SRCOMPOSE_STATE_DIR/planted/lock"

  # state.json pointing at a state elsewhere: ps and exec do not read it.
  mkdir -p "$TEST_DIR/elsewhere"
  echo '{"lab_file":"/x","storage_dir":"/x","containers":[{"name":"c","pid":1}]}' \
    >"$TEST_DIR/elsewhere/state.json"
  ln -s "$TEST_DIR/elsewhere/state.json" "$SRCOMPOSE_STATE_DIR/planted/state.json"
  run srcompose -p planted exec c true
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"not up"* || "$output" == *"symbolic link"* ]]
  run srcompose -p planted down
  [ "$status" -eq 0 ]
  [ -f "$TEST_DIR/elsewhere/state.json" ]
  [ ! -e "$SRCOMPOSE_STATE_DIR/planted" ]
  assert_untouched
}

@test "a state root writable by other users is refused" {
  chmod 0777 "$SRCOMPOSE_STATE_DIR"
  run srcompose -p other ps
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"writable by other users"* ]]
  run srcompose -p other down
  [ "$status" -eq 1 ]
  assert_untouched
}

@test "up makes an existing state directory private again" {
  sleeping_lab loose
  mkdir -p "$SRCOMPOSE_STATE_DIR/loose/logs"
  chmod 0755 "$SRCOMPOSE_STATE_DIR/loose" "$SRCOMPOSE_STATE_DIR/loose/logs"
  run srcompose -f "$LAB" up -d
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(stat -c %a "$SRCOMPOSE_STATE_DIR/loose")" = 700 ]
  [ "$(stat -c %a "$SRCOMPOSE_STATE_DIR/loose/logs")" = 700 ]
  run srcompose -p loose down
  [ "$status" -eq 0 ]
  assert_nothing_left loose
}
