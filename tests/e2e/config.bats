#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
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

@test "config refuses a seccomp profile that up would refuse, naming the line, the container and the file" {
  dir=$(mktemp -d)
  echo 'not json' >"$dir/bad.json"
  echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_BOGUS"}]}' >"$dir/bad-action.json"
  echo '{"defaultAction": "SCMP_ACT_ALLOW"}' >"$dir/good.json"
  for profile in bad bad-action good; do
    cat >"$dir/$profile.toml" <<EOF_LAB
name = "seccomp-$profile"
[containers.a]
rootfs = "builtin:busybox"
command = ["true"]
seccomp = "$profile.json"
EOF_LAB
  done
  run "$SRCOMPOSE" -f "$dir/bad.toml" config
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"bad.toml:5:"*"containers.a.seccomp: seccomp profile $dir/bad.json: JSON line 1"* ]]
  [ "$(grep -c 'JSON line 1' <<<"$output")" -eq 1 ]
  run "$SRCOMPOSE" -f "$dir/bad-action.toml" config -q
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"containers.a.seccomp: seccomp profile $dir/bad-action.json"*"SCMP_ACT_BOGUS"* ]]
  # up refuses it the same way, before creating anything.
  export SRCOMPOSE_STATE_DIR=$dir/state
  run "$SRCOMPOSE" -f "$dir/bad.toml" up -d
  [ "$status" -eq 1 ]
  [[ "$output" == *"containers.a.seccomp: seccomp profile $dir/bad.json: JSON line 1"* ]]
  [ ! -e "$dir/state/seccomp-bad" ]
  run "$SRCOMPOSE" -f "$dir/good.toml" config -q
  [ "$status" -eq 0 ]
  rm -rf "$dir"
}
