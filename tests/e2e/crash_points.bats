#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# A supervisor killed (SIGKILL, injected by strace) at any step of `up` leaves nothing that one
# `down -p NAME` cannot remove, and the next `up` works (issue 12). The points cover every step of
# the setup order: state dir, image build, bridge and its alias, nftables table, cgroups, clone,
# veth, overlay, state writes.

load helpers

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

crash_lab() {
  write_lab e2e-crash <<'EOF_LAB'
[networks.net]
subnet = "10.231.9.0/24"

[containers.a]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "0.2"]
restart = "no"
networks = ["net"]
limits = { memory = "64M", pids = 64 }
ports = ["127.0.0.1:18931:80"]
EOF_LAB
}

# Kills the supervisor at the $2-th call of syscall $1 of a foreground up, counted over all its
# threads (-f: the blocking pool prepares layers and cgroups and makes the veths and the overlay),
# then checks `down`. The container's own calls come after all the points below (it waits for `go`).
crash_at() {
  local syscall=$1 when=$2
  rm -rf "$STORAGE/images"  # every run builds the image again: its steps are crash points too
  local status=0
  timeout 30 strace -f -qq -o /dev/null -e trace="$syscall" -e inject="$syscall:signal=KILL:when=$when" \
    "$SRCOMPOSE" -f "$LAB" up --no-color >"$TEST_DIR/up.out" 2>&1 || status=$?
  # The point must have been reached: strace ends with the supervisor's SIGKILL (137).
  if [ "$status" -ne 137 ]; then
    echo "crash at $syscall #$when: up was not killed (status $status):"; cat "$TEST_DIR/up.out"
    return 1
  fi
  # How far up got, for the record (the points are meant to spread over the whole setup).
  echo "$syscall #$when: $(grep -c . "$TEST_DIR/up.out") line(s) of output before the kill" >&3
  if ! "$SRCOMPOSE" -p e2e-crash down >"$TEST_DIR/down.out" 2>&1; then
    echo "crash at $syscall #$when: down failed:"; cat "$TEST_DIR/down.out"
    return 1
  fi
  local tmp
  tmp=$(find "$STORAGE/images" -maxdepth 1 -name '.tmp-*' 2>/dev/null || true)
  if [ -n "$tmp" ]; then
    echo "crash at $syscall #$when: image build left $tmp"
    return 1
  fi
  if ! assert_nothing_left e2e-crash; then
    echo "crash at $syscall #$when left the above; up said:"; cat "$TEST_DIR/up.out"
    return 1
  fi
}

@test "a supervisor killed at each step of up: one down removes everything, the next up works" {
  command -v strace >/dev/null || { echo "strace is required (scripts/install-deps)"; return 1; }
  crash_lab
  # strace counts each thread's calls on their own, and a container's layer (with the image) and
  # its cgroups are made on two pool threads at once: a point is the Nth call of whichever thread
  # gets there first.
  # mkdir: state dir, storage, image .tmp dir, layer, cgroups; copy_file_range/symlinkat: the image;
  # rename: image into place; renameat: lab copy and state writes (sys::write_file_atomically;
  # #4 is the write once the lab is up, which the container outlives: a /bin/true could end first,
  # and the lab's end writes no state);
  # sendmsg: netlink (bridge, alias, address; from #10 on the veth, on a pool thread); sendto:
  # nftables; clone3: #1 srcompose's probe of clone3 at start, #2-#3 the blocking pool's threads (two
  # for a lab of one container), #4 the launcher's thread; fsconfig/fsmount: the first ones are srcompose's kernel probes at start, fsconfig #4
  # builds the overlay root (on a pool thread).
  local points="mkdir:1 mkdir:2 mkdir:3 mkdir:4 mkdir:5 mkdir:7 mkdir:9 mkdir:12 mkdir:17 mkdir:20 mkdir:25
    copy_file_range:1 symlinkat:3 rename:1 renameat:1 renameat:2 renameat:3 renameat:4
    sendmsg:1 sendmsg:2 sendmsg:3 sendmsg:4 sendmsg:6 sendmsg:8 sendmsg:10 sendmsg:14
    sendto:1 sendto:2 sendto:3 clone3:1 clone3:2 clone3:4 fsconfig:1 fsconfig:2 fsconfig:4
    fsmount:1"
  for point in $points; do
    crash_at "${point%%:*}" "${point##*:}"
  done
  run timeout 60 "$SRCOMPOSE" -f "$LAB" up -d
  echo "$output"
  [ "$status" -eq 0 ]
  run "$SRCOMPOSE" -p e2e-crash down
  [ "$status" -eq 0 ]
  assert_nothing_left e2e-crash
}
