#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# ${VAR} interpolation as compose does it (issue 14): the environment, .env beside the lab file,
# --env-file (repeatable, later wins, replaces .env), the environment over files, errors with their
# position, and later commands (exec) reading the lab with the variables `up` used.

load helpers

setup() {
  setup_lab_env
  mkdir -p "$TEST_DIR/lab"
  {
    echo 'name = "vars"'
    echo "storage = \"$STORAGE\""
    cat <<'TOML'
[networks.n]
subnet = "${SUBNET:-10.99.7.0/24}"
[containers.a]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
env = { G = "${GREETING:?say hello}", L = "$${LITERAL}" }
networks = ["n"]
TOML
  } >"$TEST_DIR/lab/lab.toml"
}

teardown() { teardown_lab_env; }

@test "a required variable that is not set is an error with file:line:col" {
  run env -u GREETING "$SRCOMPOSE" -f "$TEST_DIR/lab/lab.toml" config
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"lab.toml:8:13: containers.a.env.G: required variable GREETING is not set: say hello"* ]]
}

@test "the .env beside the lab file, --env-file replacing it, later files and the environment winning" {
  printf 'GREETING=from-dot-env\nSUBNET=10.99.8.0/24\n' >"$TEST_DIR/lab/.env"
  printf 'GREETING=first\n' >"$TEST_DIR/one.env"
  printf '# a comment\nexport GREETING="second"\n' >"$TEST_DIR/two.env"
  cd /
  run env -u GREETING -u SUBNET "$SRCOMPOSE" -f "$TEST_DIR/lab/lab.toml" config
  [ "$status" -eq 0 ]
  [[ "$output" == *'G = "from-dot-env"'* ]]
  [[ "$output" == *'subnet = "10.99.8.0/24"'* ]]
  [[ "$output" == *'L = "$${LITERAL}"'* ]]
  run env -u GREETING -u SUBNET "$SRCOMPOSE" -f "$TEST_DIR/lab/lab.toml" config \
    --env-file "$TEST_DIR/one.env" --env-file "$TEST_DIR/two.env"
  [ "$status" -eq 0 ]
  [[ "$output" == *'G = "second"'* ]]
  [[ "$output" == *'subnet = "10.99.7.0/24"'* ]]  # .env is not read when --env-file is given
  run env GREETING=from-env "$SRCOMPOSE" -f "$TEST_DIR/lab/lab.toml" config --env-file "$TEST_DIR/two.env"
  [ "$status" -eq 0 ]
  [[ "$output" == *'G = "from-env"'* ]]
}

@test "a bad env file line is reported with the env file's name and line" {
  printf 'GOOD=1\n9BAD=2\n' >"$TEST_DIR/bad.env"
  run env GREETING=x "$SRCOMPOSE" -f "$TEST_DIR/lab/lab.toml" config --env-file "$TEST_DIR/bad.env"
  [ "$status" -eq 1 ]
  [[ "$output" == *"bad.env:2:1: expected NAME=VALUE"* ]]
}

@test "an unset variable without a default is a warning, and the container sees the values up used" {
  cat >>"$TEST_DIR/lab/lab.toml" <<'TOML'
[containers.b]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
env = { U = "[${NOT_SET_ANYWHERE}]" }
TOML
  PROJECT=vars
  run env GREETING=hello-up "$SRCOMPOSE" -f "$TEST_DIR/lab/lab.toml" up -d
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"warning: "*"containers.b.env.U: variable NOT_SET_ANYWHERE is not set; using an empty string"* ]]
  # exec from another environment still reads the lab as up did
  run env GREETING=other "$SRCOMPOSE" -p vars exec a /bin/sh -c 'echo "$G $L"'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = 'hello-up ${LITERAL}' ]
  run "$SRCOMPOSE" -p vars exec b /bin/sh -c 'echo "$U"'
  [ "$output" = '[]' ]
  run "$SRCOMPOSE" -p vars down
  [ "$status" -eq 0 ]
  assert_nothing_left vars
}
