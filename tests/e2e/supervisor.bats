#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The supervisor and the commands (issue 6), end to end on the real kernel.

load helpers

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

three_tier_lab() {
  write_lab "$1" <<'EOF_LAB'
[networks.net]
subnet = "10.231.7.0/24"

[containers.db]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "echo db ready; exec nc -ll -p 5432 -e /bin/echo db-answer"]
networks = ["net"]

[containers.app]
rootfs = "builtin:busybox"
depends_on = ["db"]
command = ["/bin/sh", "-c", "echo app sees $(nc db 5432 </dev/null); exec sleep 3600"]
networks = ["net"]
stop_timeout = "2s"

[containers.web]
rootfs = "builtin:busybox"
depends_on = ["app"]
command = ["/bin/sh", "-c", "trap 'echo web got TERM; exit 0' TERM; echo web up; while :; do sleep 0.1; done"]
networks = ["net"]
EOF_LAB
}

@test "up in the foreground, down from another process: ordered start and teardown, nothing left" {
  three_tier_lab e2e-fg
  "$SRCOMPOSE" -f "$LAB" up --no-color >"$TEST_DIR/up.out" 2>&1 &
  up_pid=$!
  wait_until "srcompose -p e2e-fg ps --format json 2>/dev/null | grep -q '\"name\":\"web\".*\"state\":\"running\"'" 20
  # app prints its line once its nc has the db's answer, which may come after web runs.
  wait_until "grep -q '^app  *| app sees db-answer' '$TEST_DIR/up.out'" 20
  run srcompose -p e2e-fg down
  [ "$status" -eq 0 ]
  wait "$up_pid"
  cat "$TEST_DIR/up.out"
  # Output is "name | line", and the app got the db's answer (it started after db).
  grep -q '^db  *| db ready' "$TEST_DIR/up.out"
  grep -q '^app  *| app sees db-answer' "$TEST_DIR/up.out"
  grep -q '^web  *| web got TERM' "$TEST_DIR/up.out"
  # Started in dependency order, stopped in reverse.
  started=$(grep -E '^(db|app|web) started' "$TEST_DIR/up.out" | cut -d' ' -f1 | tr '\n' ' ')
  [ "$started" = "db app web " ]
  stopped=$(grep -E '^(db|app|web) stopped' "$TEST_DIR/up.out" | cut -d' ' -f1 | tr '\n' ' ')
  [ "$stopped" = "web app db " ]
  assert_nothing_left e2e-fg
}

@test "up -d, then ps, logs, exec, stop, start, kill, pause, down" {
  three_tier_lab e2e-d
  run srcompose -f "$LAB" up -d
  [ "$status" -eq 0 ]
  run srcompose -p e2e-d ps
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"web"*"running"* ]]
  [[ "$output" == *"net=10.231.7."* ]]
  wait_until "srcompose -p e2e-d logs app | grep -q 'app  *| app sees db-answer'"
  run srcompose -p e2e-d logs --timestamps db
  [[ "$output" =~ db\ \|\ [0-9]{4}-[0-9]{2}-[0-9]{2}T.*db\ ready ]]

  # exec runs inside: the container's hostname, pid namespace and exit code.
  run srcompose -p e2e-d exec web /bin/sh -c 'hostname; echo pid1=$(cat /proc/1/comm 2>/dev/null || echo none); exit 7'
  echo "$output"
  [ "$status" -eq 7 ]
  [[ "${lines[0]}" == "web" ]]
  # Options after the command are the command's, even srcompose's own letters; global options may
  # also follow `exec`.
  run srcompose exec -p e2e-d web /bin/sh -c 'echo "$@"' zero -p -f x
  [ "$output" = "-p -f x" ]
  # stdin is passed through
  run bash -c "echo through-stdin | '$SRCOMPOSE' -p e2e-d exec app /bin/cat"
  [ "$output" = "through-stdin" ]

  run srcompose -p e2e-d stop web
  [ "$status" -eq 0 ]
  [ "$(ps_field web "c['state']")" = "exited" ]
  old_pid=$(ps_field app "c['pid']")
  run srcompose -p e2e-d start web
  [ "$status" -eq 0 ]
  [ "$(ps_field web "c['state']")" = "running" ]

  run srcompose -p e2e-d pause app
  [ "$status" -eq 0 ]
  [ "$(ps_field app "c['state']")" = "paused" ]
  # Frozen by whichever freezer drives this host: v1 freezer.state or v2 cgroup.freeze.
  frozen=$(find /sys/fs/cgroup -path '*srcompose/e2e-d/app/freezer.state' -exec cat {} + ; find /sys/fs/cgroup -path '*srcompose/e2e-d/app/cgroup.freeze' -exec cat {} +)
  [[ "$frozen" == *FROZEN* || "$frozen" == *1* ]]
  run srcompose -p e2e-d unpause app
  [ "$status" -eq 0 ]
  [ "$(ps_field app "c['pid']")" = "$old_pid" ]

  # kill -s TERM reaches the workload through the init: web's trap answers and exits 0.
  run srcompose -p e2e-d kill -s TERM web
  [ "$status" -eq 0 ]
  wait_until "[ \"\$(ps_field web 'c[\"state\"]')\" = exited ]"
  [ "$(ps_field web "c['last_end']['exit_code']")" = "0" ]
  wait_until "srcompose -p e2e-d logs web | grep -q 'web got TERM'"

  run srcompose -p e2e-d down
  [ "$status" -eq 0 ]
  assert_nothing_left e2e-d
  run srcompose -p e2e-d down
  [ "$status" -eq 0 ]
  [[ "$output" == *"is not up"* ]]
}

@test "a second up of a running project fails and touches nothing" {
  three_tier_lab e2e-lock
  srcompose -f "$LAB" up -d
  pid_before=$(container_pid db)
  run srcompose -f "$LAB" up -d
  [ "$status" -ne 0 ]
  [[ "$output" == *"project e2e-lock is already up"* ]]
  [ "$(container_pid db)" = "$pid_before" ]
  srcompose -p e2e-lock down
  assert_nothing_left e2e-lock
}

@test "an OOM-killed container with restart on-oom is restarted with the reason recorded; restart=no is not" {
  write_lab e2e-oom <<'EOF_LAB'
[containers.hog]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "exec tail /dev/zero"]
restart = "on-oom"
max_restarts = 2
limits = { memory = "32M", memory_swap = "32M" }

[containers.quitter]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "sleep 0.5; exit 3"]
restart = "no"

[containers.keeper]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]

[containers.forker]
rootfs = "builtin:busybox"
limits = { pids = 4 }
command = ["/bin/sh", "-c", "for i in 1 2 3 4 5 6; do sleep 3600 & done; exec sleep 3600"]
EOF_LAB
  srcompose -f "$LAB" up -d
  wait_until "[ \"\$(ps_field hog 'len(c[\"restarts\"])')\" -ge 2 ]" 30
  # ps shows each container's host id range.
  [ "$(ps_field keeper "(c['uid_map'][0]['inside'], c['uid_map'][0]['count'])")" = "(0, 65536)" ]
  run ps_field hog "c['restarts'][0]['reason']"
  [ "$output" = "OOM kill" ]
  run ps_field hog "c['usage']['oom_kills'] >= 2"
  [ "$output" = "True" ]
  wait_until "[ \"\$(ps_field quitter 'c[\"state\"]')\" = exited ]" 10
  [ "$(ps_field quitter "len(c['restarts'])")" = "0" ]
  [ "$(ps_field quitter "c['last_end']['exit_code']")" = "3" ]
  [ "$(ps_field quitter "c['last_end']['oom_killed']")" = "False" ]
  srcompose -p e2e-oom down --format json >"$TEST_DIR/down.json" 2>/dev/null
  validate_report "$TEST_DIR/down.json"
  python3 -c "
import json, sys
report = {r['name']: r for r in json.load(open('$TEST_DIR/down.json'))['containers']}
assert report['hog']['restarts'][0]['oom_killed'], report['hog']
assert report['hog']['restarts'][0]['status'] == 'oom', report['hog']
assert report['quitter']['exit_code'] == 3, report['quitter']
assert report['quitter']['status'] == 'exited', report['quitter']
assert report['keeper']['oom_kills'] == 0
assert report['keeper']['status'] == 'stopped', report['keeper']
# Forks refused by the pids limit are counted (pids.events).
assert report['forker']['pids_limit_hits'] > 0, report['forker']
assert report['keeper']['pids_limit_hits'] == 0, report['keeper']
"
  assert_nothing_left e2e-oom
}

@test "--exit-code-from returns the grader's exit code and writes the run report" {
  write_lab e2e-grade <<'EOF_LAB'
[containers.student]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]

[containers.grader]
rootfs = "builtin:busybox"
depends_on = ["student"]
command = ["/bin/sh", "-c", "echo grading; exit 42"]
EOF_LAB
  run srcompose -f "$LAB" up --exit-code-from grader --report "$TEST_DIR/report.json"
  echo "$output"
  [ "$status" -eq 42 ]
  python3 -c "
import json
report = json.load(open('$TEST_DIR/report.json'))
records = {r['name']: r for r in report['containers']}
assert records['grader']['exit_code'] == 42
assert records['student']['signal'] in (15, 9) or records['student']['exit_code'] in (143, 137)
"
  assert_nothing_left e2e-grade
}

@test "a failing third container leaves nothing of the first two, and the error names it and the step" {
  write_lab e2e-fail <<'EOF_LAB'
[networks.net]
subnet = "10.231.8.0/24"

[containers.one]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
networks = ["net"]

[containers.two]
rootfs = "builtin:busybox"
depends_on = ["one"]
command = ["/bin/sleep", "3600"]
networks = ["net"]

[containers.three]
rootfs = "builtin:busybox"
depends_on = ["two"]
command = ["/no/such/program"]
networks = ["net"]
EOF_LAB
  run srcompose -f "$LAB" up -d
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"container three"*"/no/such/program"*"No such file or directory"* ]]
  assert_nothing_left e2e-fail
}

@test "kill -9 of the supervisor at several points of up, then down: nothing left, and up works again" {
  three_tier_lab e2e-crash
  for delay in 0.05 0.2 0.5 2; do
    "$SRCOMPOSE" -f "$LAB" up --no-color >/dev/null 2>&1 &
    up_pid=$!
    sleep "$delay"
    kill -9 "$up_pid" 2>/dev/null || true
    wait "$up_pid" 2>/dev/null || true
    run srcompose -f "$LAB" down
    echo "after ${delay}s: $output"
    [ "$status" -eq 0 ]
    # Once the lab was up, down found no supervisor and removed everything itself.
    if [ "$delay" = 2 ]; then [[ "$output" == *"its supervisor was gone"* ]]; fi
    assert_nothing_left e2e-crash
  done
  run srcompose -f "$LAB" up -d
  [ "$status" -eq 0 ]
  srcompose -p e2e-crash down
  assert_nothing_left e2e-crash
}

@test "depends_on completed_successfully waits for a one-shot container; restart gives a new run" {
  write_lab e2e-once <<'EOF_LAB'
[containers.migrate]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "sleep 1; echo migrated"]

[containers.app]
rootfs = "builtin:busybox"
depends_on = { migrate = { condition = "completed_successfully" } }
command = ["/bin/sh", "-c", "echo app starts; exec sleep 3600"]
EOF_LAB
  run srcompose -f "$LAB" up -d
  [ "$status" -eq 0 ]
  # app started only after migrate completed with status 0.
  [ "$(ps_field migrate "c['last_end']['exit_code']")" = "0" ]
  migrate_end=$(ps_field migrate "c['last_end']['time']")
  app_start=$(ps_field app "c['started_at']")
  [[ "$app_start" > "$migrate_end" ]]
  old_pid=$(container_pid app)
  run srcompose -p e2e-once restart app
  [ "$status" -eq 0 ]
  [ "$(ps_field app "c['state']")" = "running" ]
  [ "$(container_pid app)" != "$old_pid" ]
  srcompose -p e2e-once down
  assert_nothing_left e2e-once
}

@test "Ctrl-C while the lab comes up tears it down; a second Ctrl-C kills at once and still removes everything" {
  write_lab e2e-int <<'EOF_LAB'
[containers.never]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
healthcheck = { command = ["/bin/false"], interval = "200ms" }

[containers.waiter]
rootfs = "builtin:busybox"
depends_on = { never = { condition = "healthy" } }
command = ["/bin/sleep", "3600"]
EOF_LAB
  "$SRCOMPOSE" -f "$LAB" up --no-color >"$TEST_DIR/up1.out" 2>&1 &
  up_pid=$!
  wait_until "grep -q 'never started' '$TEST_DIR/up1.out'"
  kill -INT "$up_pid"
  wait_until "process_gone $up_pid" 15
  cat "$TEST_DIR/up1.out"
  assert_nothing_left e2e-int

  # A workload that ignores SIGTERM as PID 2 with a long stop timeout: the second Ctrl-C does not wait.
  write_lab e2e-int <<'EOF_LAB'
[containers.stubborn]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "trap '' TERM INT; echo ignoring; while :; do sleep 1; done"]
stop_timeout = "60s"
EOF_LAB
  "$SRCOMPOSE" -f "$LAB" up --no-color >"$TEST_DIR/up2.out" 2>&1 &
  up_pid=$!
  wait_until "grep -q 'stubborn  *| ignoring' '$TEST_DIR/up2.out'"
  kill -INT "$up_pid"
  sleep 0.5
  kill -0 "$up_pid"  # still stopping: the workload ignores the stop signal
  kill -INT "$up_pid"
  wait_until "process_gone $up_pid" 5
  cat "$TEST_DIR/up2.out"
  grep -q 'killing every container' "$TEST_DIR/up2.out"
  assert_nothing_left e2e-int
}

@test "up -d --wait returns once health checks pass; logs -f follows until the lab goes down" {
  write_lab e2e-wait <<'EOF_LAB'
[containers.slow]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "sleep 1; touch /tmp/ready; i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.2; done"]
healthcheck = { command = ["/bin/sh", "-c", "test -e /tmp/ready"], interval = "200ms" }
EOF_LAB
  run srcompose -f "$LAB" up -d --wait
  [ "$status" -eq 0 ]
  # Healthy already when up returned: the marker file exists at once.
  [ "$(ps_field slow "c['health']")" = "healthy" ]
  "$SRCOMPOSE" -p e2e-wait logs -f slow >"$TEST_DIR/follow.out" &
  follow_pid=$!
  # It follows: lines written after it started arrive, once each and in order.
  wait_until "grep -q 'slow | tick 8' '$TEST_DIR/follow.out'"
  ticks=$(grep -o 'tick [0-9]*' "$TEST_DIR/follow.out" | cut -d' ' -f2)
  [ "$ticks" = "$(echo "$ticks" | sort -n | uniq)" ]
  # And it ends by itself when the lab goes down.
  srcompose -p e2e-wait down
  wait_until "process_gone $follow_pid" 5
  assert_nothing_left e2e-wait
}

@test "a health check runs inside the container's cgroups, also after a restart" {
  # Seen through the container's own cgroup namespace, each of its cgroups is "/": a line that is
  # not (a process left in the supervisor's cgroups) makes the check fail. The second run's cgroup2
  # cgroup has had cgroup.kill written, which the check joins the other way (cgroup::Entry).
  write_lab e2e-hcg <<'EOF_LAB'
[containers.box]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "sleep 1; exit 3"]
restart = "on-failure"
healthcheck = { command = ["/bin/sh", "-c", "! grep -v ':/$' /proc/self/cgroup"], interval = "200ms" }
EOF_LAB
  run srcompose -f "$LAB" up -d --wait --wait-timeout 20s
  [ "$status" -eq 0 ]
  [ "$(ps_field box "c['health']")" = "healthy" ]
  wait_until "[ \"\$(ps_field box \"c['restart_count']\")\" -ge 1 ]" 10
  wait_until "[ \"\$(ps_field box \"c['health']\")\" = healthy ]" 10
  srcompose -p e2e-hcg down
  assert_nothing_left e2e-hcg
}

@test "a killed launcher is replaced at the next start, and down leaves no launcher behind" {
  write_lab e2e-lnch <<'EOF_LAB'
[containers.a]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]

[containers.b]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
EOF_LAB
  srcompose -f "$LAB" up -d
  supervisor=$(head -1 "$SRCOMPOSE_STATE_DIR/e2e-lnch/lock")
  # The launcher: the supervisor's child in the host's pid namespace (the containers' inits, also
  # its children, are each in their own).
  launchers() {
    for child in $(cat /proc/"$supervisor"/task/*/children); do
      [ "$(readlink /proc/"$child"/ns/pid)" = "$(readlink /proc/self/ns/pid)" ] && echo "$child"
    done
    return 0
  }
  first=$(launchers)
  [ -n "$first" ]
  kill -KILL "$first"
  srcompose -p e2e-lnch restart b
  [ "$(ps_field b "c['state']")" = "running" ]
  second=$(launchers)
  [ -n "$second" ]
  [ "$second" != "$first" ]
  srcompose -p e2e-lnch down
  run kill -0 "$second"
  [ "$status" -ne 0 ]
  assert_nothing_left e2e-lnch
}

@test "a lab needing more descriptors than the caller's soft limit comes up; its containers keep that limit" {
  # The supervisor holds about a dozen descriptors per container: 40 containers need some 480,
  # more than a soft limit of 256 allows. It raises its own soft limit to the hard one, and gives
  # the launcher (and so every container) the caller's limits back.
  write_lab e2e-nofile < <(
    for i in $(seq 1 40); do
      printf '[containers.c%d]\nrootfs = "builtin:busybox"\ncommand = ["/bin/sleep", "600"]\n' "$i"
    done
  )
  hard=$(ulimit -Hn)
  [ "$hard" = unlimited ] || [ "$hard" -gt 1024 ]
  run bash -c "ulimit -Sn 256 && \"\$SRCOMPOSE\" -f \"$LAB\" up -d"
  echo "$output"
  [ "$status" -eq 0 ]
  supervisor=$(head -1 "$SRCOMPOSE_STATE_DIR/e2e-nofile/lock")
  grep '^Max open files' "/proc/$supervisor/limits"
  [ "$(awk '/^Max open files/ { print $4 }' "/proc/$supervisor/limits")" = "$(awk '/^Max open files/ { print $5 }' "/proc/$supervisor/limits")" ]
  [ "$(ls "/proc/$supervisor/fd" | wc -l)" -gt 256 ]
  for name in c1 c40; do
    pid=$(container_pid "$name")
    grep '^Max open files' "/proc/$pid/limits"
    [ "$(awk '/^Max open files/ { print $4 }' "/proc/$pid/limits")" = 256 ]
  done
  srcompose -p e2e-nofile down
  assert_nothing_left e2e-nofile
}
