#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# How `down` removes a lab quickly and still completely (issue 16): throwaway layers that never
# sync, the lab's links deleted in one request, and the next `up` of the same project right after.

load helpers

setup() { setup_lab_env; }
teardown() {
  if [ -n "${STRANGER:-}" ]; then ip link del "$STRANGER" 2>/dev/null || true; fi
  teardown_lab_env
}

# The super options of the overlay at / in the mount namespace of process $1.
root_overlay_options() {
  awk '$5 == "/" { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 1), $(i + 3); exit } }' \
    "/proc/$1/mountinfo"
}

# The netdev group of host link $1, as `ip` prints it.
link_group() {
  ip -d -o link show dev "$1" | sed -n 's/.* group \([^ ]*\) .*/\1/p'
}

@test "a throwaway layer is mounted volatile, a persist layer is not and comes up again after down" {
  write_lab e2e-volatile <<'EOF_LAB'
[containers.scratch]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "600"]

[containers.kept]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "echo kept >> /kept.txt; exec sleep 600"]
persist = true
EOF_LAB
  srcompose -f "$LAB" up -d
  scratch=$(root_overlay_options "$(container_pid scratch)")
  kept=$(root_overlay_options "$(container_pid kept)")
  echo "scratch: $scratch"; echo "kept: $kept"
  # The kernel shows the option as fsync=volatile.
  [[ "$scratch" == overlay* ]] && [[ "$scratch" == *fsync=volatile* ]]
  [[ "$kept" == overlay* ]] && [[ "$kept" != *fsync=volatile* ]]
  # A restart mounts the same throwaway layer again, past the mark the volatile mount left.
  srcompose -p e2e-volatile exec scratch sh -c 'echo written > /scratch.txt'
  srcompose -p e2e-volatile restart scratch
  [ "$(ps_field scratch "c['state']")" = running ]
  [ "$(srcompose -p e2e-volatile exec scratch cat /scratch.txt)" = written ]
  srcompose -p e2e-volatile down >/dev/null 2>&1
  # A volatile mount leaves work/work/incompat/volatile, which fails the next mount of that upper:
  # the persistent layer must come up again, with what it wrote before.
  srcompose -f "$LAB" up -d
  [ "$(srcompose -p e2e-volatile exec kept cat /kept.txt)" = "$(printf 'kept\nkept')" ]
  [[ "$(root_overlay_options "$(container_pid scratch)")" == *fsync=volatile* ]]
  srcompose -p e2e-volatile down -v >/dev/null 2>&1
  assert_nothing_left e2e-volatile
}

@test "the lab's bridge and host veth ends share one netdev group; down removes them all at once" {
  write_lab e2e-group <<'EOF_LAB'
[networks.net]
subnet = "10.231.31.0/24"

[containers.a]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "600"]
networks = ["net"]

[containers.b]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "600"]
networks = ["net"]
EOF_LAB
  srcompose -f "$LAB" up -d
  links=$(ip -d -o link show | grep -F "srcompose:e2e-group:" | awk -F': ' '{ print $2 }' | sed 's/@.*//')
  echo "links: $links"
  [ "$(wc -w <<<"$links")" -eq 3 ]
  group=$(link_group "$(head -1 <<<"$links")")
  [ -n "$group" ] && [ "$group" != default ] && [ "$group" != 0 ]
  for link in $links; do [ "$(link_group "$link")" = "$group" ]; done
  supervisor=$(head -1 "$SRCOMPOSE_STATE_DIR/e2e-group/lock")
  [ -n "$supervisor" ] && kill -0 "$supervisor"
  srcompose -p e2e-group down >/dev/null 2>&1
  # down returns once its supervisor has exited too (it finishes the links' deletion first): gone,
  # or a zombie until init reaps it.
  state=$(awk '{ print $3 }' "/proc/$supervisor/stat" 2>/dev/null || true)
  echo "supervisor $supervisor after down: ${state:-gone}"
  [ -z "$state" ] || [ "$state" = Z ]
  assert_nothing_left e2e-group
  # Right after down, the same project comes up again (its bridge has the same name and alias
  # while the old one's deletion may still be finishing in the kernel) and goes down again.
  for round in 1 2 3; do
    srcompose -f "$LAB" up -d >/dev/null
    [ "$(ps_field a "c['state']")" = running ]
    srcompose -p e2e-group down >/dev/null 2>&1
    assert_nothing_left e2e-group
  done
}

@test "a link of someone else in the lab's netdev group is left alone; down still removes the lab's" {
  write_lab e2e-stranger <<'EOF_LAB'
[networks.net]
subnet = "10.231.32.0/24"

[containers.a]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "600"]
networks = ["net"]
EOF_LAB
  srcompose -f "$LAB" up -d
  bridge=$(ip -d -o link show | grep -F "srcompose:e2e-stranger:net" | awk -F': ' '{ print $2 }')
  group=$(link_group "$bridge")
  STRANGER=e2es$$
  STRANGER=${STRANGER:0:13}
  ip link add "$STRANGER" group "$group" type veth peer name "${STRANGER}p"
  srcompose -p e2e-stranger down >/dev/null 2>&1
  ip link show dev "$STRANGER" >/dev/null
  assert_nothing_left e2e-stranger
}

@test "down removes the network only once every container has ended: a graceful stop still reaches its neighbour" {
  # The network goes once the last container has ended, never while one still stops: here the
  # neighbour ends at once and the stopping container pings it half a second into its grace
  # period; its exit code (0: answered) is what down reports.
  write_lab e2e-grace <<'EOF_LAB'
[networks.net]
subnet = "10.231.33.0/24"

[containers.neighbour]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "600"]
networks = { net = { ipv4 = "10.231.33.10" } }

[containers.graceful]
rootfs = "builtin:busybox"
stop_timeout = "20s"
command = ["/bin/sh", "-c", "trap 'sleep 0.5; /probe ping 10.231.33.10 | grep -q ^ping=0$$; exit $$?' TERM; while :; do sleep 0.1; done"]
networks = ["net"]
mounts = [{ source = "PROBE", target = "/probe", readonly = true }]
EOF_LAB
  sed -i "s|\"PROBE\"|\"$SRCOMPOSE_PROBE\"|" "$LAB"
  srcompose -f "$LAB" up -d
  run srcompose -p e2e-grace down
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"neighbour: stopped, exit code 143"* ]]
  [[ "$output" == *"graceful: stopped, exit code 0,"* ]]
  assert_nothing_left e2e-grace
}

@test "a container that ends on its own lets its network namespace go: its veth goes while the lab runs" {
  # The supervisor holds each container's network namespace while it runs; a teardown keeps them
  # until its one request has deleted the pairs with the bridges, but a run that ends otherwise
  # lets go at once, and the kernel deletes that container's pair with its namespace.
  write_lab e2e-letgo <<'EOF_LAB'
[networks.net]
subnet = "10.231.32.0/24"

[containers.stays]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "600"]
networks = ["net"]

[containers.quits]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "1"]
networks = ["net"]
EOF_LAB
  srcompose -f "$LAB" up -d
  ip -d -o link show | grep -F "srcompose:e2e-letgo:quits"
  wait_until "[ \"\$(ps_field quits \"c['state']\")\" = exited ]" 10
  wait_until "! ip -d -o link show | grep -qF 'srcompose:e2e-letgo:quits'" 5
  ip -d -o link show | grep -F "srcompose:e2e-letgo:stays"
  [ "$(ps_field stays "c['state']")" = running ]
  srcompose -p e2e-letgo down >/dev/null 2>&1
  assert_nothing_left e2e-letgo
}
