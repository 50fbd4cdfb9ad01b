#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Shell completion (issue 14): `srcompose completion bash|zsh|fish` and the `__complete` question
# the scripts ask at each TAB: commands, options (the command's own before the global ones),
# option values, container names from the lab file (or the running lab of -p) and project names
# from the state root. bash, zsh and fish are installed by scripts/install-deps: none may be missing.

load helpers

setup() {
  setup_lab_env
  # The scripts complete the command named `srcompose`: put the binary under test first in PATH.
  mkdir -p "$TEST_DIR/bin"
  ln -s "$SRCOMPOSE" "$TEST_DIR/bin/srcompose"
  export PATH=$TEST_DIR/bin:$PATH
  write_lab complete <<'TOML'
[containers.web]
rootfs = "builtin:busybox"
command = ["sleep", "1000"]
[containers.db]
rootfs = "builtin:busybox"
command = ["sleep", "1000"]
TOML
}
teardown() { teardown_lab_env; }

# The candidates (first column) `__complete` answers for the words given; the directive first.
candidates() { srcompose __complete "$@" | cut -f1 | paste -sd' '; }

@test "__complete: commands with their descriptions, options of the command and the global ones" {
  [ "$(candidates u)" = "words up unpause" ]
  srcompose __complete do | grep -qx $'down\tStop and remove everything of the lab'
  run candidates up --ex
  [ "$output" = "words --exit-code-from" ]
  # logs has its own -f (--follow): the global -f (--file) is not offered there.
  [[ " $(candidates logs -) " == *" -f "* ]]
  [ "$(srcompose __complete logs - | grep -c '^-f	')" -eq 1 ]
  srcompose __complete logs - | grep -qxF -e $'-f\tFollow until the lab goes down'
  [[ " $(candidates logs --) " == *" --file "* ]]
}

@test "__complete: option values: choices, files, directories, signals" {
  [ "$(candidates config --format "")" = "words toml json" ]
  [ "$(candidates config --format=j)" = "words --format=json" ]
  [ "$(candidates completion "")" = "words bash zsh fish" ]
  [ "$(candidates -f "")" = "files" ]
  [ "$(candidates --file = "")" = "files" ]
  [ "$(candidates --state-dir "")" = "dirs" ]
  [ "$(candidates kill -s KI)" = "words KILL" ]
}

@test "__complete: container names from -f, from ./lab.toml, and not those already given" {
  [ "$(candidates -f "$LAB" stop "")" = "words web db" ]
  [ "$(candidates stop -f "$LAB" w)" = "words web" ]
  [ "$(candidates up -f "$LAB" --exit-code-from "")" = "words web db" ]
  [ "$(candidates -f "$LAB" logs -f web "")" = "words db" ]
  cp "$LAB" "$TEST_DIR/lab.toml"
  cd "$TEST_DIR"
  [ "$(candidates restart "")" = "words web db" ]
  # exec: the container, then the command's own words (nothing to offer).
  [ "$(candidates exec "")" = "words web db" ]
  [ "$(candidates exec web "")" = "words" ]
  # A broken lab file offers nothing, quietly.
  echo 'containers = 3' >"$TEST_DIR/lab.toml"
  run srcompose __complete stop ""
  [ "$output" = "words" ]
}

@test "__complete: project names from the state root; containers of a running lab by -p" {
  srcompose up -d -f "$LAB"
  [ "$(candidates -p "")" = "words complete" ]
  [ "$(candidates --state-dir "$SRCOMPOSE_STATE_DIR" -p c)" = "words complete" ]
  cd "$TEST_DIR"
  [ "$(candidates -p complete stop "")" = "words web db" ]
  srcompose -p complete down
  [ "$(candidates -p "")" = "words" ]
}

@test "config --services prints the container names in file order" {
  run srcompose config --services -f "$LAB"
  [ "$status" -eq 0 ]
  [ "$output" = $'web\ndb' ]
}

@test "bash: the script registers _srcompose; TAB completes commands and containers" {
  run bash -c '
    source <(srcompose completion bash)
    complete -p srcompose
    complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _srcompose; echo "${COMPREPLY[*]}"; }
    complete_words srcompose u
    complete_words srcompose -f "$1" kill ""
    complete_words srcompose --file = "${1%.toml}"' bash "$LAB"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "complete -F _srcompose srcompose" ]
  [ "${lines[1]}" = "up unpause" ]
  [ "${lines[2]}" = "web db" ]
  [ "${lines[3]}" = "$LAB" ]
}

@test "zsh: the script registers with compdef, autoloads from fpath, and describes candidates" {
  srcompose completion zsh >"$TEST_DIR/_srcompose"
  # Autoloaded the way the package installs it (vendor-completions is on zsh's $fpath).
  run zsh -f -c 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -D; print -r -- $_comps[srcompose]' \
    zsh "$TEST_DIR"
  [ "$output" = "_srcompose" ]
  # The function itself, with the completion system's builtins stubbed: what it hands to them.
  run zsh -f -c '
    compdef() { print -r -- "compdef $*" }
    _describe() { print -rl -- ${(P)4} }
    _files() { print -r -- "_files $*" }
    source "$1"
    words=(srcompose u); CURRENT=2; _srcompose
    words=(srcompose -f "$2" stop ""); CURRENT=5; _srcompose
    words=(srcompose --state-dir ""); CURRENT=3; _srcompose' zsh "$TEST_DIR/_srcompose" "$LAB"
  echo "$output"
  [ "${lines[0]}" = "compdef _srcompose srcompose" ]
  [ "${lines[1]}" = "up:Create and start the lab" ]
  [ "${lines[2]}" = "unpause:Thaw paused containers" ]
  [ "${lines[3]}" = "web" ]
  [ "${lines[4]}" = "db" ]
  [ "${lines[5]}" = "_files -/" ]
}

@test "fish: complete -C completes commands, containers and files" {
  run fish -c '
    srcompose completion fish | source
    complete -C"srcompose u"
    complete -C"srcompose -f $argv[1] stop "
    complete -C"srcompose --state-dir $argv[2]/bi"' "$LAB" "$TEST_DIR"
  echo "$output"
  [ "${lines[0]}" = $'unpause\tThaw paused containers' ]
  [ "${lines[1]}" = $'up\tCreate and start the lab' ]
  [ "${lines[2]}" = "db" ]
  [ "${lines[3]}" = "web" ]
  [[ ${lines[4]} == "$TEST_DIR/bin/"* ]]
}
