#!/usr/bin/env bash
# Benchmark of `srcompose up -d` and `down` for N = 1, 10, 50 containers, each with a network, cgroup
# limits, a user namespace and an overlay rootfs; side by side with crun (OCI bundles: create + start,
# then delete) and podman (run -d, then rm -f) when they are installed. Prints one `name: value` line
# per figure. Not part of the tests; nothing here is asserted.
#
#   sudo bench/up-down.sh [path/to/srcompose] [N...]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
srcompose=${1:-$top/build/srcompose}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 10 50)

work=$(mktemp -d /tmp/srcompose-bench.XXXXXX)
export SRCOMPOSE_STATE_DIR=$work/state
cleanup() {
  "$srcompose" -p bench down >/dev/null 2>&1 || true
  if command -v crun >/dev/null; then
    for id in $(crun list -q 2>/dev/null | grep '^srbench-' || true); do crun delete -f "$id" >/dev/null 2>&1 || true; done
  fi
  if command -v podman >/dev/null; then
    podman ps -aq --filter name=srbench- 2>/dev/null | xargs -r podman rm -f >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.3f}')"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}' if $2 > 0 else 'n/a')"; }

write_lab() {
  local n=$1
  {
    echo 'name = "bench"'
    echo "storage = \"$work/storage\""
    echo '[networks.benchnet]'
    echo 'subnet = "10.250.0.0/24"'
    for i in $(seq 1 "$n"); do
      echo "[containers.c$i]"
      echo 'rootfs = "builtin:busybox"'
      echo 'command = ["/bin/sleep", "3600"]'
      echo 'networks = ["benchnet"]'
      echo 'limits = { memory = "32M", pids = 32, cpu_weight = 100 }'
    done
  } >"$work/lab-$n.toml"
}

bench_srcompose() {
  local n=$1
  write_lab "$n"
  local t0 t1 t2
  t0=$(now)
  "$srcompose" -f "$work/lab-$n.toml" up -d >/dev/null 2>&1
  t1=$(now)
  local supervisor
  supervisor=$(head -1 "$SRCOMPOSE_STATE_DIR/bench/lock")
  local rss processes
  rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$supervisor/status")
  processes=$(cat /sys/fs/cgroup/pids/srcompose/bench/*/cgroup.procs 2>/dev/null | wc -l)
  t2=$(now)
  "$srcompose" -p bench down >/dev/null 2>&1
  local t3
  t3=$(now)
  echo "srcompose_up_n$n: $(elapsed "$t0" "$t1") s"
  echo "srcompose_down_n$n: $(elapsed "$t2" "$t3") s"
  echo "srcompose_supervisor_peak_rss_n$n: ${rss} kB"
  echo "srcompose_host_processes_per_container_n$n: $(python3 -c "print(f'{$processes / $n:.1f}')")"
  SR_UP=$(elapsed "$t0" "$t1")
  SR_DOWN=$(elapsed "$t2" "$t3")
}

make_busybox_rootfs() {
  local root=$1
  mkdir -p "$root"/{bin,proc,sys,dev,tmp,etc}
  cp /bin/busybox "$root/bin/busybox"
  ln -sf busybox "$root/bin/sleep"
  ln -sf busybox "$root/bin/sh"
}

bench_crun() {
  local n=$1
  command -v crun >/dev/null || { echo "crun_up_n$n: not installed"; return; }
  local bundle=$work/crun-bundle
  if [ ! -d "$bundle" ]; then
    make_busybox_rootfs "$bundle/rootfs"
    (cd "$bundle" && crun spec)
    # Same shape as srcompose's containers: a user namespace mapping a 65536-id range, a network
    # namespace, memory and pids limits, sleep as the workload.
    python3 - "$bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
config["process"]["args"] = ["/bin/sleep", "3600"]
config["process"]["terminal"] = False
config["root"]["readonly"] = False
linux = config["linux"]
namespaces = [ns for ns in linux["namespaces"] if ns["type"] != "user"]
namespaces.append({"type": "user"})
linux["namespaces"] = namespaces
linux["uidMappings"] = [{"containerID": 0, "hostID": 400000, "size": 65536}]
linux["gidMappings"] = [{"containerID": 0, "hostID": 400000, "size": 65536}]
linux["resources"] = {"memory": {"limit": 33554432}, "pids": {"limit": 32}}
json.dump(config, open(path, "w"))
PY
    chown -R 400000:400000 "$bundle/rootfs"
  fi
  # crun may refuse this host altogether (it rejects hybrid cgroup hosts whose cgroup2 mount holds
  # any controller): then say so rather than print a figure.
  local probe
  if ! probe=$(crun create --bundle "$bundle" srbench-probe </dev/null 2>&1); then
    echo "crun_up_n$n: unavailable on this host ($(echo "$probe" | head -1))"
    return
  fi
  crun delete -f srbench-probe >/dev/null 2>&1
  local t0 t1 t2 t3
  t0=$(now)
  for i in $(seq 1 "$n"); do
    crun create --bundle "$bundle" "srbench-$i" </dev/null >/dev/null 2>&1
    crun start "srbench-$i"
  done
  t1=$(now)
  t2=$(now)
  for i in $(seq 1 "$n"); do crun delete -f "srbench-$i" >/dev/null 2>&1; done
  t3=$(now)
  local up down
  up=$(elapsed "$t0" "$t1")
  down=$(elapsed "$t2" "$t3")
  echo "crun_up_n$n: $up s"
  echo "crun_down_n$n: $down s"
  echo "ratio_srcompose_crun_up_n$n: $(ratio "$SR_UP" "$up")"
  echo "ratio_srcompose_crun_down_n$n: $(ratio "$SR_DOWN" "$down")"
}

bench_podman() {
  local n=$1
  command -v podman >/dev/null || { echo "podman_up_n$n: not installed"; return; }
  if ! podman image exists localhost/srbench-busybox 2>/dev/null; then
    make_busybox_rootfs "$work/podman-rootfs"
    tar -C "$work/podman-rootfs" -cf "$work/busybox.tar" .
    podman import "$work/busybox.tar" localhost/srbench-busybox >/dev/null
  fi
  local probe
  if ! probe=$(podman run -d --name srbench-probe --uidmap 0:500000:65536 --gidmap 0:500000:65536 \
    localhost/srbench-busybox /bin/sleep 1 2>&1); then
    podman rm -f srbench-probe >/dev/null 2>&1 || true
    echo "podman_up_n$n: unavailable on this host ($(echo "$probe" | tail -1))"
    return
  fi
  podman rm -f srbench-probe >/dev/null 2>&1
  local t0 t1 t2 t3
  t0=$(now)
  for i in $(seq 1 "$n"); do
    # Each container its own 65536-id range, as srcompose gives them.
    podman run -d --name "srbench-$i" --memory 32m --pids-limit 32 \
      --uidmap "0:$((500000 + i * 65536)):65536" --gidmap "0:$((500000 + i * 65536)):65536" \
      localhost/srbench-busybox /bin/sleep 3600 >/dev/null
  done
  t1=$(now)
  t2=$(now)
  podman rm -f $(seq -f 'srbench-%g' 1 "$n") >/dev/null 2>&1
  t3=$(now)
  local up down
  up=$(elapsed "$t0" "$t1")
  down=$(elapsed "$t2" "$t3")
  echo "podman_up_n$n: $up s"
  echo "podman_down_n$n: $down s"
  echo "ratio_srcompose_podman_up_n$n: $(ratio "$SR_UP" "$up")"
  echo "ratio_srcompose_podman_down_n$n: $(ratio "$SR_DOWN" "$down")"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
echo "date: $(date -u +%Y-%m-%d)"
for n in "${counts[@]}"; do
  bench_srcompose "$n"
  bench_crun "$n"
  bench_podman "$n"
done
