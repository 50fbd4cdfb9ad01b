#!/usr/bin/env bats
# `srcompose config` (issue 2): validates, prints the normalized lab, reports every mistake at once.

load helpers

setup() { LABS=$SRCOMPOSE_SOURCE_DIR/tests/lab-files; }

@test "config accepts the issue's full example and prints TOML that loads again" {
  run "$SRCOMPOSE" -f "$LABS/good/issue_example.toml" config
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *'[containers.web]'* ]]
  [[ "$output" == *'stop_timeout = "10s"'* ]]
  normalized=$(mktemp --suffix=.toml -p "$LABS/good")
  echo "$output" >"$normalized"
  run "$SRCOMPOSE" -f "$normalized" config
  rm -f "$normalized"
  [ "$status" -eq 0 ]
}

@test "config --format json prints JSON" {
  run "$SRCOMPOSE" -f "$LABS/good/issue_example.toml" config --format json
  [ "$status" -eq 0 ]
  echo "$output" | python3 -c "import json,sys; lab=json.load(sys.stdin); assert lab['name']"
}

@test "config rejects a bad file with every mistake, one line each, and exit status 1" {
  cd "$LABS/bad"
  run "$SRCOMPOSE" -f unknown_key.toml config
  [ "$status" -eq 1 ]
  expected=$(cat unknown_key.expected)
  [[ "$output" == *"$expected"* ]]
}

@test "up refuses a bad file before creating anything" {
  cd "$LABS/bad"
  export SRCOMPOSE_STATE_DIR=$(mktemp -d)
  run "$SRCOMPOSE" -f cycle.toml up
  [ "$status" -eq 1 ]
  [[ "$output" == *"$(head -1 cycle.expected)"* ]]
  [ -z "$(ls "$SRCOMPOSE_STATE_DIR")" ]
  rm -rf "$SRCOMPOSE_STATE_DIR"
}
