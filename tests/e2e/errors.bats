#!/usr/bin/env bats
# Errors are never lost: every failure reaches the user (or supervisor.log) with the container and
# the step, and the exit status says so (issue 12).

load helpers

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

@test "a foreground up whose only container cannot start exits 1 naming the container and the step" {
  write_lab e2e-fail1 <<'EOF_LAB'
[containers.only]
rootfs = "builtin:busybox"
command = ["/no/such/program"]
EOF_LAB
  run timeout 60 "$SRCOMPOSE" -f "$LAB" up --no-color
  echo "$output"
  [ "$status" -eq 1 ]
  grep -q 'container only: exec /no/such/program: No such file or directory' <<<"$output"
  assert_nothing_left e2e-fail1
}

@test "up -d names the container when its preparation fails" {
  write_lab e2e-fail2 <<'EOF_LAB'
[containers.only]
rootfs = "builtin:busybox"
user = "nosuchuser"
EOF_LAB
  run timeout 60 "$SRCOMPOSE" -f "$LAB" up -d
  echo "$output"
  [ "$status" -eq 1 ]
  grep -q 'container only: user nosuchuser' <<<"$output"
  assert_nothing_left e2e-fail2
}
