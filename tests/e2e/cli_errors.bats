#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The CLI's small promises (issue 12): usage errors, signals, unknown containers, paused containers,
# --wait, health after exit.

load helpers

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

sleeper_lab() {
  write_lab "$1" <<'EOF_LAB'
[containers.c]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
healthcheck = { command = ["/bin/true"], interval = "100ms" }
EOF_LAB
}

@test "a mistyped command exits 1, names the word and suggests the nearest command" {
  run srcompose upp
  echo "$output"
  [ "$status" -eq 1 ]
  grep -q "unknown command 'upp'" <<<"$output"
  grep -q "did you mean 'up'" <<<"$output"
  run srcompose up --bogus
  echo "$output"
  [ "$status" -eq 1 ]
  grep -q -- "--bogus" <<<"$output"
  run srcompose
  [ "$status" -eq 1 ]
}

@test "usage errors in compose's words: unknown flag, missing value or argument, bad value; exit 1" {
  expect() {  # expect "ARGS" "MESSAGE" "HELP COMMAND"
    run srcompose $1
    echo "srcompose $1: $output"
    [ "$status" -eq 1 ]
    grep -qF -- "srcompose: error: $2" <<<"$output"
    grep -qF -- "Run '$3 --help' for more information." <<<"$output"
  }
  expect "up --bogus" "unknown flag: --bogus" "srcompose up"
  expect "-p lab ps -x" "unknown flag: -x" "srcompose ps"
  expect "logs --tail" "flag needs an argument: --tail" "srcompose logs"
  expect "-f a.toml -f b.toml config" "--file given more than once (srcompose does not merge lab files: one -f)" "srcompose config"
  expect "-f" "flag needs an argument: --file" "srcompose"
  expect "exec" "missing argument: container" "srcompose exec"
  expect "port web" "missing argument: port" "srcompose port"
  expect "batch" "required flag --items not set" "srcompose batch"
  expect "ps --format yaml" "invalid argument for --format: yaml not in {table,json}" "srcompose ps"
  expect "stop -t soon" "invalid argument for --timeout: expected a whole number of seconds, got soon" "srcompose stop"
  expect "ps extra" "unexpected argument 'extra'" "srcompose ps"
  expect "ps first second" "unexpected argument 'first'" "srcompose ps"
  expect "down --rmi all" "unknown flag: --rmi (srcompose has no images" "srcompose down"
  expect "up --scale web=3" "unknown flag: --scale (one container per [containers.NAME]: no replicas)" "srcompose up"
  expect "exec --privileged web sh" "unknown flag: --privileged (a command runs with its container's capabilities, never more)" "srcompose exec"
  expect "" "no command given" "srcompose"
  expect "evnts --json" "unknown command 'evnts' (did you mean 'events'?)" "srcompose"
  expect "-p lab statz" "unknown command 'statz' (did you mean 'stats'?)" "srcompose"
  # Compose's words that srcompose lacks say what to use instead.
  expect "create" "unknown command 'create' (srcompose up --no-start)" "srcompose"
  expect "pull" "unknown command 'pull' (srcompose has no images to build or pull" "srcompose"
  expect "up --build" "unknown flag: --build (srcompose has no images" "srcompose up"
  expect "down --remove-orphans" "unknown flag: --remove-orphans (down removes everything" "srcompose down"
  # run and exec: an option neither knows is refused, before the container name or right after
  # it, instead of becoming the command.
  expect "exec --bogus web sh" "unknown flag: --bogus" "srcompose exec"
  expect "exec web -x" "unknown flag: -x" "srcompose exec"
  expect "run --bogus grader" "unknown flag: --bogus" "srcompose run"
  expect "run grader --bogus make" "unknown flag: --bogus" "srcompose run"
  expect "run --entrypoint sh grader" "unknown flag: --entrypoint (the command after the container name replaces its command)" "srcompose run"
}

@test "run --rm (compose's habit) and -- before the command are accepted; an unknown flag never runs as the command" {
  sleeper_lab e2e-cli5
  run timeout 30 "$SRCOMPOSE" -f "$LAB" run --rm -T c /bin/echo ran
  echo "$output"
  [ "$status" -eq 0 ]
  grep -qx "ran" <<<"$output"
  run timeout 30 "$SRCOMPOSE" -f "$LAB" run c /bin/echo -n second --results
  echo "$output"
  [ "$status" -eq 0 ]
  grep -q "second --results" <<<"$output"
  # A "--" after the container name (and its options) ends srcompose's words, as kubectl's does.
  run timeout 30 "$SRCOMPOSE" -f "$LAB" run c --rm -- /bin/echo third -- x
  echo "$output"
  [ "$status" -eq 0 ]
  grep -qx "third -- x" <<<"$output"
  run srcompose -f "$LAB" up -d
  [ "$status" -eq 0 ]
  run timeout 10 "$SRCOMPOSE" -f "$LAB" exec -e X=1 --rm c /bin/true
  echo "$output"
  [ "$status" -eq 1 ]
  grep -qF "srcompose: error: unknown flag: --rm" <<<"$output"
  ! grep -q "exec --rm" <<<"$output"
  run timeout 10 "$SRCOMPOSE" -f "$LAB" exec c /bin/sh -c 'echo $0 -x' -x
  echo "$output"
  [ "$status" -eq 0 ]
  grep -qx -- "-x -x" <<<"$output"
  run timeout 10 "$SRCOMPOSE" -f "$LAB" exec --no-TTY -e X=1 c -- /bin/sh -c 'echo dash $X'
  echo "$output"
  [ "$status" -eq 0 ]
  grep -qx "dash 1" <<<"$output"
}

@test "every command's --help shows examples that use it and the global options" {
  run srcompose --help
  [ "$status" -eq 0 ]
  grep -q "^Usage: srcompose " <<<"$output"
  grep -q "^Examples:" <<<"$output"
  commands=$(sed -n '/^Subcommands:/,/^$/p' <<<"$output" | awk 'NR > 1 && NF { print $1 }')
  [ "$(wc -w <<<"$commands")" -ge 22 ]
  for command in $commands; do
    run srcompose "$command" --help
    [ "$status" -eq 0 ] || { echo "$command --help: status $status"; false; }
    grep -q "^Usage: srcompose $command " <<<"$output" || { echo "$output"; false; }
    grep -Eq "^Examples?:" <<<"$output" || { echo "$command --help has no example"; false; }
    sed -n '/^Examples\?:/,/^$/p' <<<"$output" | grep -q "srcompose .*$command" ||
      { echo "$command --help: no example of $command"; false; }
    for option in "-f,--file FILE" "-p,--project-name PROJECT" "--state-dir DIR" "--env-file FILE"; do
      grep -qF -- "$option" <<<"$output" || { echo "$command --help lacks $option"; false; }
    done
  done
}

@test "config prints each error of a bad file once" {
  write_lab e2e-cfg1 <<'EOF_LAB'
[containers.c]
rootfs = "builtin:busybox"
restart = "sometimes"
EOF_LAB
  run srcompose config -f "$LAB"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "$(grep -c 'restart' <<<"$output")" -eq 1 ]
}

@test "kill refuses a signal that is not one; logs refuses an unknown container" {
  run srcompose -p nosuchlab kill -s 9x
  echo "$output"
  [ "$status" -eq 1 ]
  grep -q "invalid signal 9x" <<<"$output"
  run srcompose -p nosuchlab kill -s 0
  [ "$status" -eq 1 ]
  grep -q "invalid signal 0" <<<"$output"
  sleeper_lab e2e-cli1
  run srcompose -f "$LAB" up -d
  [ "$status" -eq 0 ]
  run srcompose -p e2e-cli1 logs nosuch
  echo "$output"
  [ "$status" -eq 1 ]
  grep -q "no container nosuch" <<<"$output"
}

@test "up --wait returns once healthy (it implies -d); exec into a paused container is refused" {
  sleeper_lab e2e-cli2
  run timeout 30 "$SRCOMPOSE" -f "$LAB" up --wait
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(ps_field c "c['health']")" = healthy ]
  run srcompose -p e2e-cli2 pause c
  [ "$status" -eq 0 ]
  run timeout 10 "$SRCOMPOSE" -p e2e-cli2 exec c /bin/true
  echo "$output"
  [ "$status" -eq 1 ]
  grep -q "container c is paused" <<<"$output"
  run srcompose -p e2e-cli2 unpause c
  [ "$status" -eq 0 ]
  run srcompose -p e2e-cli2 exec c /bin/true
  [ "$status" -eq 0 ]
}

@test "a container's health is cleared when it exits" {
  write_lab e2e-cli3 <<'EOF_LAB'
[containers.c]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "1.5"]
restart = "no"
healthcheck = { command = ["/bin/true"], interval = "100ms" }

[containers.keep]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
EOF_LAB
  run srcompose -f "$LAB" up -d
  [ "$status" -eq 0 ]
  wait_until "[ \"\$(ps_field c \"c['health']\")\" = healthy ]" 10
  wait_until "[ \"\$(ps_field c \"c['state']\")\" = exited ]" 10
  [ "$(ps_field c "c['health']")" = "" ]
}
