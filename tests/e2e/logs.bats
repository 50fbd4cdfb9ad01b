#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Container output on its way to the teacher: bounded logs and a cheap supervisor under a flood
# (issue 10 item 14), and terminals that a container's escape sequences cannot drive (item 15).

load helpers

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

# The attack: set the window title, clear the screen, then a carriage return over a fake line.
hostile_lab() {
  write_lab "$1" <<'EOF_LAB'
[containers.evil]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "printf 'before \\033]0;pwned\\007\\033[2J fake\\rafter\\n'; echo evil-done; exec sleep 3600"]
EOF_LAB
}

ESC=$'\033'

@test "on a terminal, up and logs show a container's control characters; to a pipe they stay raw" {
  hostile_lab e2e-tty
  # up in the foreground on a pseudo-terminal (script), and a second up-like reader through a pipe.
  script -qfc "\"$SRCOMPOSE\" -f \"$LAB\" up --no-color" "$TEST_DIR/up.tty" >/dev/null 2>&1 &
  up_pid=$!
  wait_until "grep -q evil-done '$TEST_DIR/up.tty' 2>/dev/null" 20
  # logs on a terminal.
  script -qc "\"$SRCOMPOSE\" -p e2e-tty logs" "$TEST_DIR/logs.tty" >/dev/null 2>&1
  # logs through a pipe: the bytes as the container wrote them.
  srcompose -p e2e-tty logs | cat >"$TEST_DIR/logs.pipe"
  srcompose -p e2e-tty down
  wait "$up_pid" || true
  for file in up.tty logs.tty; do
    echo "--- $file"; cat -v "$TEST_DIR/$file"
    grep -qF 'before ^[]0;pwned^G^[[2J fake^Mafter' "$TEST_DIR/$file"
    # --no-color: srcompose itself writes no escape, so none may reach the terminal.
    ! grep -q "$ESC" "$TEST_DIR/$file"
  done
  echo "--- logs.pipe"; cat -v "$TEST_DIR/logs.pipe"
  grep -qF "before ${ESC}]0;pwned"$'\a'"${ESC}[2J fake"$'\r'"after" "$TEST_DIR/logs.pipe"
  assert_nothing_left e2e-tty
}

@test "up in the foreground to a pipe passes a container's bytes through as they are" {
  hostile_lab e2e-pipe
  "$SRCOMPOSE" -f "$LAB" up --no-color 2>/dev/null | cat >"$TEST_DIR/up.pipe" &
  wait_until "grep -q evil-done '$TEST_DIR/up.pipe'" 20
  srcompose -p e2e-pipe down
  wait
  cat -v "$TEST_DIR/up.pipe"
  grep -qF "before ${ESC}]0;pwned"$'\a'"${ESC}[2J fake"$'\r'"after" "$TEST_DIR/up.pipe"
  assert_nothing_left e2e-pipe
}

@test "a megabyte of empty lines stays a megabyte; a flood of yes is capped, dropped with a marker, counted" {
  write_lab e2e-flood <<'EOF_LAB'
[containers.empty]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "yes '' | head -c 1048576; echo empty-done; exec sleep 3600"]

[containers.flood]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "timeout 3 yes; sleep 2; echo flood-done; exec sleep 3600"]
logging = { max_size = "256K", max_file = 2, rate = "64K" }
EOF_LAB
  srcompose -f "$LAB" up -d
  logs=$SRCOMPOSE_STATE_DIR/e2e-flood/logs
  wait_until "grep -q empty-done '$logs/empty.log'" 20
  wait_until "srcompose -p e2e-flood logs flood | grep -q flood-done" 20
  ls -l "$logs"
  # Every empty line is there, with a header per read, not a timestamp per line (it was 36 MB).
  [ "$(grep -c '^$' "$logs/empty.log")" -eq 1048576 ]
  [ "$(stat -c %s "$logs/empty.log")" -lt $((1048576 + 64 * 1024)) ]
  # The flood: two files of at most 256 KiB each, no third.
  for file in flood.log flood.log.1; do [ "$(stat -c %s "$logs/$file")" -le $((256 * 1024)) ]; done
  [ ! -e "$logs/flood.log.2" ]
  run srcompose -p e2e-flood logs flood
  [ "$status" -eq 0 ]
  markers=$(grep -c '^flood *| \[srcompose\] dropped [0-9]* bytes of output over the log budget (64K per second)$' <<<"$output")
  echo "markers: $markers"
  [ "$markers" -ge 1 ]
  # The drop is counted on the container, and is most of what yes wrote.
  dropped=$(ps_field flood "c['log_bytes_dropped']")
  echo "dropped: $dropped"
  [ "$dropped" -gt $((4 * 1024 * 1024)) ]
  [ "$(ps_field empty "c['log_bytes_dropped']")" -eq 0 ]
  srcompose -p e2e-flood down --report "$TEST_DIR/report.json"
  # The run report carries the counter too.
  validate_report "$TEST_DIR/report.json"
  python3 -c "
import json
records = {r['name']: r for r in json.load(open('$TEST_DIR/report.json'))['containers']}
assert records['flood']['log_bytes_dropped'] >= $dropped, records['flood']
assert records['empty']['log_bytes_dropped'] == 0, records['empty']
"
  assert_nothing_left e2e-flood
}

@test "SRCOMPOSE_LOG_LEVEL=warning keeps the progress lines out of supervisor.log, not the output" {
  write_lab e2e-loglevel <<'EOF_LAB'
[containers.c]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "echo said-hello; exec sleep 600"]
EOF_LAB
  SRCOMPOSE_LOG_LEVEL=warning srcompose -f "$LAB" up -d
  wait_until "srcompose -p e2e-loglevel logs c | grep -q said-hello" 10
  log=$SRCOMPOSE_STATE_DIR/e2e-loglevel/supervisor.log
  cat "$log"
  ! grep -q "c start" "$log"
  srcompose -p e2e-loglevel down
  assert_nothing_left e2e-loglevel
}

@test "detached, every line of supervisor.log carries the time, a container's lines too" {
  sleeping_lab e2e-suplog
  srcompose -f "$LAB" up -d
  log=$SRCOMPOSE_STATE_DIR/e2e-suplog/supervisor.log
  cat "$log"
  time='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z'
  grep -Eq "^$time c started \(pid [0-9]+\)$" "$log"
  grep -Eq "^$time c starting$" "$log"
  [ -z "$(grep -Ev "^$time " "$log")" ]
  srcompose -p e2e-suplog down
  assert_nothing_left e2e-suplog
}

@test "logs -f waits on inotify for the logs directory, not on a timer, and shows a line at once" {
  write_lab e2e-inotify <<'EOF_LAB'
[containers.c]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "echo begun; while :; do if [ -e /tmp/go ]; then echo went; rm /tmp/go; fi; sleep 0.05; done"]
EOF_LAB
  srcompose -f "$LAB" up -d
  wait_until "srcompose -p e2e-inotify logs c | grep -q begun" 10
  strace -f -o "$TEST_DIR/trace" -e trace=inotify_add_watch,nanosleep,clock_nanosleep \
    "$SRCOMPOSE" -p e2e-inotify logs -f c >"$TEST_DIR/follow.out" &
  follow_pid=$!
  wait_until "grep -q inotify_add_watch '$TEST_DIR/trace'" 10
  srcompose -p e2e-inotify exec c touch /tmp/go
  wait_until "grep -q 'c | went' '$TEST_DIR/follow.out'" 10
  srcompose -p e2e-inotify down
  wait_until "process_gone $follow_pid" 5
  cat "$TEST_DIR/trace"
  grep -q "inotify_add_watch(.*e2e-inotify/logs\", " "$TEST_DIR/trace"
  # The CLI itself never sleeps on a timer while following.
  ! grep -Eq "^[0-9]+ +(clock_)?nanosleep" "$TEST_DIR/trace"
  assert_nothing_left e2e-inotify
}
