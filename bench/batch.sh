#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# srcompose batch throughput (issue 15): items per minute for a class of N submissions (default 50)
# at -j 1, 2 and 4. Each item is an instance of a two-container grading lab like
# tests/e2e/batch_class.bash's: a busybox echo server (the submission) and a grader that checks it,
# on a network of its own (subnet = "auto"). Each -j runs the whole class from scratch
# (--rerun).
# Not part of the tests; nothing is asserted. Run as root; on a machine shared with privileged tests,
# under their lock (flock /tmp/srcompose-privileged-tests.lock bench/batch.sh):
#
#   bench/batch.sh [path/to/srcompose]      env: ITEMS=50 JOBS="1 2 4"
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
srcompose=${1:-$top/build/srcompose}
items=${ITEMS:-50}
read -r -a jobs <<<"${JOBS:-1 2 4}"

work=$(mktemp -d /tmp/srcompose-bench-batch.XXXXXX)
trap 'rm -rf "$work"' EXIT
export SRCOMPOSE_STATE_DIR=$work/state

mkdir -p "$work/class"
for n in $(seq -w 1 "$items"); do
  mkdir -p "$work/class/s$n"
  echo 'exec nc -ll -p 7 -e /bin/cat' >"$work/class/s$n/server.sh"
done
cat >"$work/lab.toml" <<EOF_LAB
name = "benchbatch"
storage = "$work/storage"

[networks.net]
subnet = "auto"
internal = true

[containers.submission]
rootfs = "builtin:busybox"
command = ["/bin/sh", "/submission/server.sh"]
networks = ["net"]
mounts = [{ source = "\${ITEM_PATH}", target = "/submission", readonly = true }]
limits = { memory = "16M", pids = 16 }

[containers.grader]
rootfs = "builtin:busybox"
networks = ["net"]
depends_on = ["submission"]
limits = { memory = "16M", pids = 16 }
command = ["/bin/sh", "-c", """
for try in \$\$(seq 50); do
  answer=\$\$(echo ping | nc -w 1 submission 7) && [ -n "\$\$answer" ] && break
  sleep 0.1
done
[ "\$\$answer" = ping ]
"""]
EOF_LAB

echo "srcompose batch: $items items, $(nproc) CPUs, $(uname -r), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%4s %10s %14s %16s\n' "-j" "seconds" "items/minute" "mean item (s)"
for j in "${jobs[@]}"; do
  start=$(date +%s%N)
  "$srcompose" batch -f "$work/lab.toml" --items "$work/class" -j "$j" --results "$work/out" \
    --rerun >"$work/batch-$j.log" 2>&1 || {
    cat "$work/batch-$j.log" >&2
    exit 1
  }
  end=$(date +%s%N)
  seconds=$(python3 -c "print(f'{($end - $start) / 1e9:.1f}')")
  rate=$(python3 -c "print(f'{$items * 60e9 / ($end - $start):.0f}')")
  mean=$(python3 -c "
import csv
rows = list(csv.DictReader(open('$work/out/summary.csv')))
assert all(r['result'] == 'done' and r['exit_code'] == '0' for r in rows), rows
print(f'{sum(int(r[\"duration_ms\"]) for r in rows) / len(rows) / 1000:.2f}')")
  printf '%4s %10s %14s %16s\n' "$j" "$seconds" "$rate" "$mean"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
