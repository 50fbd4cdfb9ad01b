#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 14: `exec` as a compose user types it: -it with a real pseudo-terminal (driven here through
# script(1), which gives srcompose a terminal of its own), -e, -u, -w, -d and -T.

load helpers

setup() {
  setup_lab_env
  write_lab e2e-exec <<'EOF_LAB'
[containers.c]
rootfs = "builtin:busybox"
command = ["sleep", "600"]
env = { FROM_LAB = "lab" }
EOF_LAB
  srcompose -f "$LAB" up -d
}
teardown() { teardown_lab_env; }

# Runs "srcompose -p e2e-exec ARGS" on a terminal of script(1), its input from stdin.
on_terminal() {
  local command="$SRCOMPOSE -p e2e-exec"
  for word in "$@"; do command+=" $(printf '%q' "$word")"; done
  script -qefc "$command" /dev/null
}

# The controlling terminal of the command, from /proc/self/stat (field 7, tty_nr): 0 for none.
CTTY='awk "{ print \$7 }" /proc/self/stat'

@test "exec -it: a pty of the container's own devpts, the controlling terminal, window size, exit code" {
  # script's terminal gets a size; the container's pty must follow it.
  run script -qefc "stty rows 33 cols 101; $SRCOMPOSE -p e2e-exec exec -it c sh -c 'tty; stty size; [ -t 0 ] && echo stdin-is-tty; exit 5'" /dev/null </dev/null
  echo "$output"
  [ "$status" -eq 5 ]
  [[ "$output" == *"/dev/pts/0"* ]]
  [[ "$output" == *"33 101"* ]]
  [[ "$output" == *stdin-is-tty* ]]
  # A shell on it has job control (the pty is its controlling terminal) and reads what is typed.
  run bash -c "printf 'echo sum=\$((40+2))\nexit 3\n' | script -qefc '$SRCOMPOSE -p e2e-exec exec -it c sh' /dev/null"
  echo "$output"
  [ "$status" -eq 3 ]
  [[ "$output" == *"sum=42"* ]]
  [[ "$output" != *"can't access tty"* ]]
  [[ "$output" != *"job control turned off"* ]]
  # On a terminal, compose's default is a pty; -T gives none (srcompose's stdio as it is).
  run on_terminal exec c sh -c "$CTTY" </dev/null
  echo "$output"
  [[ "$output" =~ [1-9] ]]
  run on_terminal exec -T c sh -c "$CTTY" </dev/null
  echo "$output"
  [[ "$(tr -d '\r' <<<"$output")" = 0 ]]
  # Without a terminal: none, unless -t asks for one.
  run srcompose -p e2e-exec exec c sh -c "$CTTY"
  [ "$output" = 0 ]
  run srcompose -p e2e-exec exec -t c sh -c "$CTTY; tty"
  echo "$output"
  [[ "$output" == *"/dev/pts/0"* ]]
  run srcompose -p e2e-exec exec -t -T c true
  [ "$status" -ne 0 ]
  [[ "$output" == *"-t and -T contradict each other"* ]]
}

@test "exec -e -u -w: variables, user from the container's passwd, working directory" {
  export FROM_HOST=host-value
  run srcompose -p e2e-exec exec -e A=1 -e FROM_LAB=over -e FROM_HOST -e UNSET_HERE -u nobody -w /tmp c \
    sh -c 'echo "$A $FROM_LAB $FROM_HOST ${UNSET_HERE-unset} $(id -u):$(id -g) $HOME $(pwd)"'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "1 over host-value unset 65534:65534 /nonexistent /tmp" ]
  run srcompose -p e2e-exec exec -u 123:456 c id
  [[ "$output" == "uid=123 gid=456"* ]]
  run srcompose -p e2e-exec exec -u nosuchuser c id
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"-u nosuchuser"* ]]
  run srcompose -p e2e-exec exec -w relative c pwd
  [ "$status" -ne 0 ]
  [[ "$output" == *"-w relative: expected an absolute path"* ]]
}

@test "exec -d: runs on in the background; srcompose returns at once" {
  run timeout 10 "$SRCOMPOSE" -p e2e-exec exec -d c sh -c 'sleep 1; echo done > /tmp/detached'
  [ "$status" -eq 0 ]
  wait_until "[ \"\$(srcompose -p e2e-exec exec c cat /tmp/detached 2>/dev/null)\" = done ]" 10
  srcompose -p e2e-exec down
  assert_nothing_left e2e-exec
}

@test "top lists each container's processes with both pids; stats --no-stream one reading" {
  srcompose -p e2e-exec exec -d c sh -c 'exec sleep 500'
  run srcompose -p e2e-exec top
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = c ]
  [[ "${lines[1]}" == "PID"*"HOST PID"*"UID"*"COMMAND" ]]
  row=$(grep ' sleep 600$' <<<"$output")
  read -r inside host uid rest <<<"$row"
  # The host pid is that process, and the kernel's NSpid says the container sees it as `inside`.
  [ "$(awk '/^NSpid:/ { print $NF }' "/proc/$host/status")" = "$inside" ]
  [ "$inside" != "$host" ]
  grep -q ' sleep 500$' <<<"$output"
  run srcompose -p e2e-exec top nosuch
  [ "$status" -ne 0 ]
  [[ "$output" == *"no container nosuch"* ]]
  run srcompose -p e2e-exec stats --no-stream
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == NAME*"CPU %"*"MEM USAGE / LIMIT"*PIDS*"BLOCK I/O" ]]
  [ "${#lines[@]}" -eq 2 ]
  read -r name cpu rest <<<"${lines[1]}"
  [ "$name" = c ]
  [[ "$cpu" =~ ^[0-9]+\.[0-9]$ ]]
  # init, sleep 600 and sleep 500.
  [[ "${lines[1]}" == *" 3 "* ]]
}
