#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The command options a docker compose user reaches for (issue 14, "Commands and options"): logs,
# ps, config, ls, port, up, down, stop and restart as compose spells them.

load helpers
bats_require_minimum_version 1.5.0

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

@test "logs --tail N, --since (duration or RFC 3339), --no-log-prefix; logs of no such container" {
  write_lab e2e-logopts <<'EOF_LAB'
[containers.counter]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done; exec sleep 600"]

[containers.clock]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "echo early; sleep 2; echo late; exec sleep 600"]
EOF_LAB
  srcompose -f "$LAB" up -d
  wait_until "srcompose -p e2e-logopts logs clock | grep -q late" 20

  # --tail counts per container, as compose does.
  run srcompose -p e2e-logopts logs --tail 2
  [ "$status" -eq 0 ]
  echo "$output"
  [ "$(grep -c '^counter *| ' <<<"$output")" -eq 2 ]
  grep -q '^counter *| line4$' <<<"$output"
  grep -q '^counter *| line5$' <<<"$output"
  [ "$(grep -c '^clock *| ' <<<"$output")" -eq 2 ]
  [ "$(srcompose -p e2e-logopts logs -n 1 counter)" = "counter | line5" ]
  [ -z "$(srcompose -p e2e-logopts logs --tail 0)" ]
  [ "$(srcompose -p e2e-logopts logs --tail all counter | wc -l)" -eq 5 ]
  run srcompose -p e2e-logopts logs --tail many
  [ "$status" -eq 1 ]
  [[ "$output" == *"--tail many: expected a number of lines"* ]]

  # --no-log-prefix: the lines as the container wrote them.
  [ "$(srcompose -p e2e-logopts logs --no-log-prefix clock)" = $'early\nlate' ]

  # --since with a time between the two lines (RFC 3339 with an offset), a duration that holds
  # both, a time in the future, and a duration shorter than the time since the last line.
  late=$(srcompose -p e2e-logopts logs -t --no-log-prefix clock | awk '$2 == "late" { print $1 }')
  echo "late at $late"
  between=$(TZ=Etc/GMT-2 date -d "@$(( $(date -d "$late" +%s) - 1 ))" +%Y-%m-%dT%H:%M:%S+02:00)
  echo "between: $between"
  [ "$(srcompose -p e2e-logopts logs --no-log-prefix --since "$between" clock)" = late ]
  [ "$(srcompose -p e2e-logopts logs --no-log-prefix --since 10m clock)" = $'early\nlate' ]
  [ -z "$(srcompose -p e2e-logopts logs --since 2199-01-01T00:00:00Z)" ]
  sleep 1.5
  [ -z "$(srcompose -p e2e-logopts logs --since 1s)" ]
  run srcompose -p e2e-logopts logs --since yesterday
  [ "$status" -eq 1 ]
  [[ "$output" == *"--since yesterday: expected a duration"*"RFC 3339"* ]]

  run srcompose -p e2e-logopts logs nosuch
  [ "$status" -eq 1 ]
  [[ "$output" == *"no container nosuch in lab e2e-logopts"* ]]
  srcompose -p e2e-logopts down
  assert_nothing_left e2e-logopts
}

@test "ps -a, -q, --services, --status; config -q" {
  write_lab e2e-psopts <<'EOF_LAB'
[containers.svc]
rootfs = "builtin:busybox"
command = ["sleep", "600"]

[containers.quick]
rootfs = "builtin:busybox"
command = ["true"]

[containers.held]
rootfs = "builtin:busybox"
command = ["sleep", "600"]
EOF_LAB
  # config -q: only the exit status says whether the file is valid.
  run --separate-stderr srcompose config -q -f "$LAB"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  printf '[containers.bad]\nrootfs = "builtin:busybox"\ncommand = 5\n' >"$TEST_DIR/bad.toml"
  run --separate-stderr srcompose config -q -f "$TEST_DIR/bad.toml"
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [[ "$stderr" == *"bad.toml:3:"*"command"* ]]

  # Not up: nothing to list, and no error.
  run --separate-stderr srcompose -p e2e-psopts ps -q
  [ "$status" -eq 0 ]
  [ -z "$output" ]

  srcompose -f "$LAB" up -d
  wait_until "[ \"\$(ps_field quick \"c['state']\")\" = exited ]" 20
  srcompose -p e2e-psopts pause held
  names() { srcompose -p e2e-psopts ps "$@" | sort | tr '\n' ' '; }
  # Without -a, as compose: only what is not over.
  run srcompose -p e2e-psopts ps
  echo "$output"
  [[ "$output" == *"svc "*"running"* ]]
  [[ "$output" == *"held "*"paused"* ]]
  [[ "$output" != *"quick"* ]]
  [[ "$(srcompose -p e2e-psopts ps -a)" == *"quick "*"exited"* ]]
  [ "$(names -q)" = "held svc " ]
  [ "$(names --services)" = "held svc " ]
  [ "$(names -a -q)" = "held quick svc " ]
  [ "$(names --status paused -q)" = "held " ]
  [ "$(names --status exited --services)" = "quick " ]
  [ "$(names --status running --status paused -q)" = "held svc " ]
  [ "$(srcompose -p e2e-psopts ps --format json | python3 -c 'import json,sys; print(sorted(c["name"] for c in json.load(sys.stdin)))')" = "['held', 'svc']" ]
  run srcompose -p e2e-psopts ps --status sleeping
  [ "$status" -eq 1 ]
  [[ "$output" == *"--status"*"sleeping"* ]]
  srcompose -p e2e-psopts down
  assert_nothing_left e2e-psopts
}

@test "ls lists the labs that are up (table, json, -q, -a); port prints a published port's host address" {
  write_lab e2e-lsa <<'EOF_LAB'
[networks.lsnet]
subnet = "10.231.91.0/24"

[containers.web]
rootfs = "builtin:busybox"
command = ["sleep", "600"]
networks = ["lsnet"]
ports = ["127.0.0.1:18431:80/tcp", "18432:53/udp"]

[containers.quick]
rootfs = "builtin:busybox"
command = ["true"]
EOF_LAB
  lab_a=$LAB
  run srcompose ls -q
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  srcompose -f "$lab_a" up -d
  sleeping_lab e2e-lsb
  srcompose -f "$LAB" up -d
  PROJECT=e2e-lsa
  wait_until "[ \"\$(ps_field quick \"c['state']\")\" = exited ]" 20
  run srcompose ls
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"e2e-lsa "*"running(1), exited(1)"*"$lab_a"* ]]
  [[ "$output" == *"e2e-lsb "*"running(1)"*"$LAB"* ]]
  [ "$(srcompose ls -q | tr '\n' ' ')" = "e2e-lsa e2e-lsb " ]
  srcompose ls --format json | python3 -c "
import json, sys
labs = {lab['Name']: lab for lab in json.load(sys.stdin)}
assert labs['e2e-lsa']['ConfigFiles'] == '$lab_a', labs
assert labs['e2e-lsb']['Status'] == 'running(1)', labs"

  [ "$(srcompose -p e2e-lsa port web 80)" = "127.0.0.1:18431" ]
  [ "$(srcompose -p e2e-lsa port web 53/udp)" = "0.0.0.0:18432" ]
  [ "$(srcompose -p e2e-lsa port --protocol udp web 53)" = "0.0.0.0:18432" ]
  run srcompose -p e2e-lsa port web 53
  [ "$status" -eq 1 ]
  [[ "$output" == *"container web publishes no port 53/tcp"* ]]
  run srcompose -p e2e-lsa port nosuch 80
  [ "$status" -eq 1 ]
  [[ "$output" == *"no container nosuch in lab e2e-lsa"* ]]
  run srcompose -p e2e-lsa port web eighty
  [ "$status" -eq 1 ]
  [[ "$output" == *"expected a port number"* ]]

  # A supervisor that is gone leaves its state directory: only -a lists it.
  supervisor=$(cat "$SRCOMPOSE_STATE_DIR/e2e-lsb/lock")
  kill -9 "$supervisor"
  wait_until "process_gone $supervisor"
  [ "$(srcompose ls -q)" = "e2e-lsa" ]
  [[ "$(srcompose ls -a)" == *"e2e-lsb "*"down (left behind: srcompose -p e2e-lsb down)"* ]]
  srcompose -p e2e-lsb down
  srcompose -p e2e-lsa down
  [ -z "$(srcompose ls -a -q)" ]
  assert_nothing_left e2e-lsa
  assert_nothing_left e2e-lsb
}

# A lab of three: web depends on db, other is on its own.
three_lab() {
  write_lab "$1" <<'EOF_LAB'
[containers.db]
rootfs = "builtin:busybox"
command = ["sleep", "600"]

[containers.web]
rootfs = "builtin:busybox"
command = ["sleep", "600"]
depends_on = ["db"]

[containers.other]
rootfs = "builtin:busybox"
command = ["sleep", "600"]
EOF_LAB
}

@test "up NAME... starts those and their dependencies only; up --no-start creates, start starts" {
  three_lab e2e-upsub
  run srcompose -f "$LAB" up -d nosuch
  [ "$status" -eq 1 ]
  [[ "$output" == *"up nosuch: no such container"* ]]
  [ ! -e "$SRCOMPOSE_STATE_DIR/e2e-upsub" ]

  srcompose -f "$LAB" up -d web
  [ "$(srcompose -p e2e-upsub ps -a -q | sort | tr '\n' ' ')" = "db web " ]
  srcompose -p e2e-upsub down
  assert_nothing_left e2e-upsub

  # --no-start: made (cgroups, layers, the state), nothing runs; up returns at once.
  srcompose -f "$LAB" up --no-start
  [ "$(srcompose -p e2e-upsub ps --status created -q | sort | tr '\n' ' ')" = "db other web " ]
  [ "$(ps_field web "c['pid']")" = 0 ]
  [ -d "$STORAGE/containers/e2e-upsub/web" ]
  # start web: its dependency db starts with it, other stays created.
  srcompose -p e2e-upsub start web
  [ "$(srcompose -p e2e-upsub ps --status running -q | sort | tr '\n' ' ')" = "db web " ]
  [ "$(ps_field other "c['state']")" = created ]
  [ "$(srcompose -p e2e-upsub ps -q | sort | tr '\n' ' ')" = "db other web " ]
  srcompose -p e2e-upsub start
  [ "$(srcompose -p e2e-upsub ps --status running -q | sort | tr '\n' ' ')" = "db other web " ]
  srcompose -p e2e-upsub down
  assert_nothing_left e2e-upsub
}

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }

@test "-t of up, down, stop and restart overrides stop_timeout; down -v removes persist layers" {
  # The workload ignores SIGTERM: only the SIGKILL after the timeout ends it.
  write_lab e2e-timeout <<'EOF_LAB'
[containers.deaf]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "trap '' TERM; exec sleep 600"]
stop_timeout = "60s"
persist = true
EOF_LAB
  srcompose -f "$LAB" up -d -t 1
  start=$(now_ms)
  srcompose -p e2e-timeout stop -t 1 deaf
  took=$(( $(now_ms) - start )); echo "stop -t 1: ${took} ms"
  [ "$took" -ge 900 ] && [ "$took" -lt 10000 ]
  [ "$(ps_field deaf "c['state']")" = exited ]
  start=$(now_ms)
  srcompose -p e2e-timeout restart -t 0 deaf
  took=$(( $(now_ms) - start )); echo "restart -t 0: ${took} ms"
  [ "$took" -lt 10000 ]
  [ "$(ps_field deaf "c['state']")" = running ]
  run srcompose -p e2e-timeout stop -t soon deaf
  [ "$status" -eq 1 ]
  # up -t 1: the lab's own teardown uses it when down gives none.
  start=$(now_ms)
  srcompose -p e2e-timeout down
  took=$(( $(now_ms) - start )); echo "down after up -t 1: ${took} ms"
  [ "$took" -ge 900 ] && [ "$took" -lt 10000 ]
  # persist: the layer outlives down...
  [ -d "$STORAGE/containers/e2e-timeout/deaf" ]
  srcompose -f "$LAB" up -d
  start=$(now_ms)
  srcompose -p e2e-timeout down -t 1 -v
  took=$(( $(now_ms) - start )); echo "down -t 1 -v: ${took} ms"
  [ "$took" -ge 900 ] && [ "$took" -lt 10000 ]
  # ...but not down -v, of a running lab or of one that is down already.
  [ ! -e "$STORAGE/containers/e2e-timeout" ]
  assert_nothing_left e2e-timeout
  srcompose -f "$LAB" up -d
  srcompose -p e2e-timeout down -t 0
  [ -d "$STORAGE/containers/e2e-timeout/deaf" ]
  srcompose -f "$LAB" down -v
  [ ! -e "$STORAGE/containers/e2e-timeout" ]
  assert_nothing_left e2e-timeout
}
