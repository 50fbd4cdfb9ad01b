#!/usr/bin/env bats
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
