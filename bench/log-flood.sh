#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What a flooding container costs the supervisor (issue 10 item 14): `yes` for 5 s in one container
# with the default logging settings; the supervisor's CPU time from /proc/PID/stat before and after,
# the container's from its cgroup (ps --format json), the log files' sizes and the bytes dropped.
# Prints one `name: value` line per figure. Not part of the tests; nothing here is asserted.
#
#   sudo bench/log-flood.sh [path/to/srcompose] [seconds]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
srcompose=${1:-$top/build/srcompose}
seconds=${2:-5}
work=$(mktemp -d /tmp/srcompose-bench.XXXXXX)
export SRCOMPOSE_STATE_DIR=$work/state
cleanup() {
  "$srcompose" -p logflood down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/lab.toml" <<EOF_LAB
name = "logflood"
storage = "$work/storage"
[containers.flood]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "mkfifo /tmp/go; read go </tmp/go; timeout $seconds yes; exec sleep 3600"]
EOF_LAB
"$srcompose" -f "$work/lab.toml" up -d >/dev/null
supervisor=$(python3 -c "import json; print(json.load(open('$SRCOMPOSE_STATE_DIR/logflood/state.json'))['supervisor_pid'])")
ticks=$(getconf CLK_TCK)
# utime + stime of a process, in seconds.
cpu_of() { awk -v t="$ticks" '{ print ($14 + $15) / t }' "/proc/$1/stat"; }
container_cpu() {
  "$srcompose" -p logflood ps -a --format json |
    python3 -c "import json,sys; c=json.load(sys.stdin)[0]['usage']; print((c['cpu_user_usec']+c['cpu_system_usec'])/1e6)"
}
before_supervisor=$(cpu_of "$supervisor")
before_container=$(container_cpu)
"$srcompose" -p logflood exec flood sh -c 'echo go > /tmp/go'
sleep $((seconds + 1))
after_supervisor=$(cpu_of "$supervisor")
after_container=$(container_cpu)
python3 - "$before_supervisor" "$after_supervisor" "$before_container" "$after_container" <<'EOF_PY'
import sys
bs, as_, bc, ac = map(float, sys.argv[1:])
s, c = as_ - bs, ac - bc
print(f"supervisor cpu: {s:.3f} s")
print(f"container cpu: {c:.3f} s")
print(f"supervisor/container: {100 * s / c:.1f} %" if c > 0 else "supervisor/container: n/a")
EOF_PY
echo "log bytes on disk: $(du -cb "$SRCOMPOSE_STATE_DIR/logflood/logs/" | tail -1 | cut -f1)"
echo "log bytes dropped: $("$srcompose" -p logflood ps -a --format json | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['log_bytes_dropped'])")"
