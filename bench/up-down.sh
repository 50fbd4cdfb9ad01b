#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of srcompose against crun and podman, measured in the same run (issue 16). Each
# container has the same shape in every tool: its own user namespace mapping 65536 ids, a cgroup
# namespace, a network namespace with a veth on a bridge made beforehand, memory and pids limits, a
# busybox root, `sleep 3600` as workload.
#
#   srcompose  `up -d` of a lab of N containers (one network), then `down`; once with the storage
#              on the disk (under the same directory as the peers' files), once on a tmpfs;
#              its state directory on the runtime tmpfs (below)
#   crun       create + start of N containers, each followed by its veth (ip -batch on the host,
#              then inside its netns), then kill + delete; and, on the same clock, until the host
#              lists none of their veths (srcompose's down returns once its links are gone), and
#              on again through `ip link del` of the bridge they were on (srcompose's down deletes
#              its lab's bridge; the bridge is made again, off the clock, for the next round)
#   podman     `run -d` of N containers on podman's default bridge network, then `rm -f`
#
# Plus `run` of one container running /bin/true, start to exit, against `crun run`: three of each per
# repetition, taking turns (which goes first rotates), after a pause that lets the deferred kernel
# work of the last teardown (network namespaces, RCU callbacks) end, so that none meets it. crun
# runs its bundle as `crun spec` makes it (no seccomp filter) and, where containers-common is
# installed, again with the seccomp profile podman gives it: srcompose's containers always have one.
# For `up`, also the CPU time the whole machine spent per container (all cores, user and kernel,
# from /proc/stat): where `up` keeps both cores busy, its time is that CPU over two.
# Every figure is the median over REPS repetitions (default 5) in milliseconds; the tools take turns
# within each repetition, so that a burst of load elsewhere hits all of them. Ratios are
# peer/srcompose (how many times faster srcompose is). Not part of the tests; nothing here is
# asserted. Run as root, alone on the machine (it remounts the hugetlb controller, see below; on a
# machine shared with privileged tests, under their lock: flock /tmp/srcompose-privileged-tests.lock):
#
#   sudo bench/up-down.sh [path/to/srcompose]      env: REPS=5 COUNTS="10 50 200" PODMAN_MAX=50
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
srcompose=${1:-$top/build/srcompose}
reps=${REPS:-5}
read -r -a counts <<<"${COUNTS:-10 50 200}"
podman_max=${PODMAN_MAX:-50}  # podman takes ~0.3 s a container: 200 x 5 would take many minutes

work=$(mktemp -d /tmp/srcompose-bench.XXXXXX)
# The tools' runtime state (srcompose's state directory, crun's --root, podman's runroot) on a
# tmpfs of the bench's own, mounted below: their defaults put it under /run, which is a tmpfs on a
# systemd host, but on this machine /run is a directory of the root filesystem (an ext4 mounted
# `discard`, where every freed block is a synchronous discard). All three tools get the same tmpfs,
# apart from the host's own labs and containers.
runtime=$work/runtime
export SRCOMPOSE_STATE_DIR=$runtime/srcompose
crun() { command crun --root "$runtime/crun" "$@"; }
bridge=srbench0
# The default seccomp profile of podman (and Docker's format), from Debian's containers-common.
containers_seccomp=/usr/share/containers/seccomp.json
# The tools' own chatter ("lab bench is up", podman's image import) goes here; shown on a failure.
log=$work/log
# Set once podman is set up, with the network namespaces under /run/netns before it ran
# (podman_forget_netns).
podman_set_up= podman_netns_before= podman_cni_chains_before=

# ---- the hugetlb remount -------------------------------------------------------------------------
# crun refuses "hybrid" hosts whose cgroup2 mount lists a controller; on this kind of host it lists
# only hugetlb. Mounting hugetlb as a v1 hierarchy for the benchmark's duration empties that list.
# A marker records the change, so a run that crashed is undone by the next one.
hugetlb_marker=/run/srcompose-bench-hugetlb
hugetlb_dir=/sys/fs/cgroup/hugetlb
unified=/sys/fs/cgroup/unified

hugetlb_undo() {
  [ -e "$hugetlb_marker" ] || return 0
  if mountpoint -q "$hugetlb_dir"; then
    find "$hugetlb_dir" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
    # The hierarchy's cgroups die asynchronously: wait until only its root is left.
    for _ in $(seq 100); do
      [ "$(awk '$1 == "hugetlb" {print $3}' /proc/cgroups)" -le 1 ] && break
      sleep 0.05
    done
    umount "$hugetlb_dir"
  fi
  rmdir "$hugetlb_dir" 2>/dev/null || true
  # The controller goes back to cgroup2 only once the v1 hierarchy is really destroyed, which the
  # kernel does asynchronously: wait for it, and if it does not come back, a mount and an unmount
  # more give the kernel that chance again.
  local attempt
  for attempt in 1 2 3; do
    for _ in $(seq 40); do
      grep -qw hugetlb "$unified/cgroup.controllers" && break 2
      sleep 0.05
    done
    mkdir -p "$hugetlb_dir"
    mount -t cgroup -o hugetlb cgroup "$hugetlb_dir" 2>/dev/null && umount "$hugetlb_dir"
    rmdir "$hugetlb_dir" 2>/dev/null || true
  done
  if ! grep -qw hugetlb "$unified/cgroup.controllers"; then
    echo "bench: hugetlb did not come back to $unified (the marker $hugetlb_marker stays)" >&2
    return 1
  fi
  rm -f "$hugetlb_marker"
}

hugetlb_remount() {
  hugetlb_undo  # a crashed run's change first
  if [ -e "$unified/cgroup.controllers" ] && grep -qw hugetlb "$unified/cgroup.controllers"; then
    : >"$hugetlb_marker"
    mkdir -p "$hugetlb_dir"
    mount -t cgroup -o hugetlb cgroup "$hugetlb_dir"
  fi
}

cleanup() {
  "$srcompose" -p bench down >/dev/null 2>&1 || true
  "$srcompose" -p benchrun down >/dev/null 2>&1 || true
  for id in $(crun list -q 2>/dev/null | grep '^srbench-' || true); do
    crun delete -f "$id" >/dev/null 2>&1 || true
  done
  if command -v podman >/dev/null; then
    podman ps -aq --filter name=srbench- 2>/dev/null | xargs -r podman rm -f >/dev/null 2>&1 || true
    [ -z "$podman_set_up" ] || podman_forget_netns
  fi
  ip link del "$bridge" 2>/dev/null || true
  hugetlb_undo
  umount "$work/tmpfs" 2>/dev/null || true
  umount "$runtime" 2>/dev/null || umount -l "$runtime" 2>/dev/null || true
  rm -rf "$work"
}
on_exit() {
  local status=$?
  if [ "$status" -ne 0 ] && [ -s "$log" ]; then tail -n 20 "$log" >&2; fi
  cleanup
}
trap on_exit EXIT

# start_clock sets `clock`, stop_clock `elapsed_ms`: the shell's own clock ($EPOCHREALTIME, in
# microseconds), read without starting a process. A `date` at each end of a measurement added its
# fork, exec and exit (~2-3 ms here) to every figure, whatever the tool.
start_clock() { clock=${EPOCHREALTIME//[!0-9]/}; }
stop_clock() { elapsed_ms=$(((${EPOCHREALTIME//[!0-9]/} - clock) / 1000)); }
# Median of the numbers in the file $1 (milliseconds), as an integer.
median() { python3 -c "import statistics,sys; print(round(statistics.median(float(l) for l in open(sys.argv[1]))))" "$1"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
ratio() { python3 -c "print(f'{$1 / $2:.1f}' if $2 > 0 else 'n/a')"; }
record() { echo "$2" >>"$work/$1"; }
# The CPU time all cores have spent so far, in ms: "user system" (user and nice; system, irq and
# softirq), from /proc/stat. In USER_HZ ticks (10 ms), and the whole machine's: a step's CPU per
# container means something from tens of containers on.
cpu_ms() {
  awk -v hz="$(getconf CLK_TCK)" '/^cpu / {printf "%d %d\n", ($2 + $3) * 1000 / hz, ($4 + $7 + $8) * 1000 / hz}' /proc/stat
}
start_cpu() { read -r cpu_user cpu_system < <(cpu_ms); }
# Records the CPU spent since start_cpu as figure $1: "$1-user" and "$1-system".
stop_cpu() {
  local user system
  read -r user system < <(cpu_ms)
  record "$1-user" $((user - cpu_user))
  record "$1-system" $((system - cpu_system))
}
# The last line a tool wrote to the log that says something (podman ends its errors with blank lines).
last_said() { grep -v '^[[:space:]]*$' "$log" | tail -n 1; }

make_busybox_rootfs() {
  local root=$1
  mkdir -p "$root"/{bin,proc,sys,dev,tmp,etc}
  cp /bin/busybox "$root/bin/busybox"
  for applet in sleep sh true; do ln -sf busybox "$root/bin/$applet"; done
}

# ---- srcompose ----------------------------------------------------------------------------------
write_lab() {
  local n=$1 storage=$2
  {
    echo 'name = "bench"'
    echo "storage = \"$storage\""
    echo '[networks.benchnet]'
    echo 'subnet = "10.250.0.0/24"'
    for i in $(seq 1 "$n"); do
      echo "[containers.c$i]"
      echo 'rootfs = "builtin:busybox"'
      echo 'command = ["/bin/sleep", "3600"]'
      echo 'networks = ["benchnet"]'
      echo 'limits = { memory = "32M", pids = 32 }'
    done
  } >"$work/lab-$n.toml"
}

# $2: "srcompose" (storage on the disk, under $work, as the peers' bundles and images) or
# "srcompose-tmpfs" (storage on a tmpfs): the writable layers' inodes are made at every up and
# removed at every down, and an ext4 without a journal (this machine's) skips every inode deleted in
# the last 30 s at each allocation (find_inode_bit -> recently_deleted), which a benchmark that
# brings labs up and down in a loop hits at its worst. The tmpfs figure shows srcompose without it.
bench_srcompose() {
  local n=$1 variant=$2 storage=$work/storage
  [ "$variant" = srcompose-tmpfs ] && storage=$work/tmpfs/storage
  write_lab "$n" "$storage"
  start_cpu
  start_clock
  "$srcompose" -f "$work/lab-$n.toml" up -d >>"$log" 2>&1
  stop_clock
  stop_cpu "$variant-upcpu-$n"
  record "$variant-up-$n" "$elapsed_ms"
  local supervisor
  supervisor=$(head -1 "$SRCOMPOSE_STATE_DIR/bench/lock")
  # Resident now (the lab running) and at the peak of its coming up, in KiB.
  record "$variant-rss-$n" "$(awk '/^VmRSS:/ {print $2}' "/proc/$supervisor/status")"
  record "$variant-hwm-$n" "$(awk '/^VmHWM:/ {print $2}' "/proc/$supervisor/status")"
  start_clock
  "$srcompose" -p bench down >>"$log" 2>&1
  stop_clock
  record "$variant-down-$n" "$elapsed_ms"
}

bench_srcompose_run() {
  {
    echo 'name = "benchrun"'
    echo "storage = \"$work/storage\""
    echo '[containers.once]'
    echo 'rootfs = "builtin:busybox"'
    echo 'command = ["/bin/true"]'
  } >"$work/run.toml"
  start_clock
  "$srcompose" -f "$work/run.toml" run once >/dev/null 2>&1
  stop_clock
  record srcompose-run "$elapsed_ms"
}

# ---- crun ---------------------------------------------------------------------------------------
# $3, optional: a seccomp profile in Docker's format (containers-common's, which podman hands to
# crun), turned into the OCI form for this bundle's capabilities on x86-64 as podman does.
make_crun_bundle() {
  local bundle=$1 command=$2 seccomp=${3:-}
  make_busybox_rootfs "$bundle/rootfs"
  (cd "$bundle" && crun spec)
  python3 - "$bundle/config.json" "$command" "$seccomp" <<'PY'
import json, sys
path, command, seccomp = sys.argv[1], sys.argv[2], sys.argv[3]
config = json.load(open(path))
config["process"]["args"] = command.split()
config["process"]["terminal"] = False
config["root"]["readonly"] = False
linux = config["linux"]
# The same namespaces as a srcompose container: user (65536 ids), cgroup, network, mount, pid, uts,
# ipc.
kinds = {ns["type"] for ns in linux["namespaces"]} | {"user", "cgroup", "network"}
linux["namespaces"] = [{"type": kind} for kind in sorted(kinds)]
linux["uidMappings"] = [{"containerID": 0, "hostID": 400000, "size": 65536}]
linux["gidMappings"] = [{"containerID": 0, "hostID": 400000, "size": 65536}]
linux["resources"] = {"memory": {"limit": 33554432}, "pids": {"limit": 32}}
if seccomp:
    profile, caps = json.load(open(seccomp)), set(config["process"]["capabilities"]["bounding"])
    x86 = {"amd64", "x86_64"}
    def applies(rule):
        inc, exc = rule.get("includes", {}), rule.get("excludes", {})
        return not ((inc.get("arches") and not x86 & set(inc["arches"]))
                    or (inc.get("caps") and not set(inc["caps"]) <= caps)
                    or (exc.get("arches") and x86 & set(exc["arches"]))
                    or (exc.get("caps") and set(exc["caps"]) <= caps))
    keys = ("names", "action", "args", "errnoRet")
    linux["seccomp"] = {
        "defaultAction": profile["defaultAction"],
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [{k: rule[k] for k in keys if rule.get(k)} for rule in profile["syscalls"]
                     if applies(rule)]}
    if "defaultErrnoRet" in profile:
        linux["seccomp"]["defaultErrnoRet"] = profile["defaultErrnoRet"]
json.dump(config, open(path, "w"))
PY
  chown -R 400000:400000 "$bundle/rootfs"
}

# The veth of crun container $1 (its pid $2, number $3): made on the host into its netns, then
# configured inside, each by one `ip -batch`.
crun_network() {
  local pid=$2 i=$3
  printf 'link add sb%d type veth peer name eth0 netns %d\nlink set sb%d master %s up\n' \
    "$i" "$pid" "$i" "$bridge" | ip -batch -
  printf 'addr add 10.251.%d.%d/16 dev eth0\nlink set eth0 up\nlink set lo up\n' \
    $((i / 250)) $((i % 250 + 2)) | nsenter -t "$pid" -n ip -batch -
}

bench_crun() {
  local n=$1
  start_cpu
  start_clock
  for i in $(seq 1 "$n"); do
    crun create --bundle "$work/crun-sleep" "srbench-$i" </dev/null >/dev/null
    crun_network "srbench-$i" "$(crun state "srbench-$i" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')" "$i"
    crun start "srbench-$i"
  done
  stop_clock
  stop_cpu "crun-upcpu-$n"
  record "crun-up-$n" "$elapsed_ms"
  start_clock
  for i in $(seq 1 "$n"); do crun kill "srbench-$i" KILL; done
  for i in $(seq 1 "$n"); do crun delete -f "srbench-$i" >/dev/null; done
  stop_clock
  record "crun-down-$n" "$elapsed_ms"
  # crun's delete returns while the kernel still tears the containers' network namespaces down (a
  # worker thread, later), their veths with them; srcompose's down returns once its links are
  # gone. The same clock, on until the host lists none of them, gives the figure that matches.
  wait_until_gone "$n"
  stop_clock
  record "crun-down-links-$n" "$elapsed_ms"
  # srcompose's down also deletes the bridge its lab made; crun's made none. The same clock, on
  # through the deletion of the bridge (by `ip`, its start included), gives the figure that
  # deletes the same things.
  ip link del "$bridge"
  stop_clock
  record "crun-down-bridge-$n" "$elapsed_ms"
  make_bridge
}

# Until none of crun's host veth ends sb1..sb$1 is listed, looking every 0.2 ms: a stat each, with
# bash's `read -t` on a pipe that never speaks ($pause_fd, opened once, below) as the pause. Nothing
# here starts a process, which would cost crun's figure a millisecond or more.
wait_until_gone() {
  local n=$1 i tries left
  for ((tries = 0; tries < 50000; tries++)); do
    left=0
    for ((i = 1; i <= n; i++)); do
      if [ -e "/sys/class/net/sb$i" ]; then
        left=1
        break
      fi
    done
    [ "$left" -eq 0 ] && break
    read -r -t 0.0002 -u "$pause_fd" _ || true
  done
}

# $1: the bundle's name; the figure is run-$1.
bench_crun_run() {
  start_clock
  crun run --bundle "$work/$1" srbench-run </dev/null >/dev/null
  stop_clock
  record "run-$1" "$elapsed_ms"
}

# ---- podman -------------------------------------------------------------------------------------
# Root here lacks CAP_SYS_RESOURCE, so podman's default RLIMIT_NOFILE cannot be set: a private
# containers.conf with limits within the hard limit, cgroupfs (no systemd), events in a file, and a
# private storage.conf so that nothing of the host's podman is touched.
setup_podman() {
  mkdir -p "$work/podman/graph" "$runtime/podman"
  cat >"$work/podman/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$work/podman/events.log"
tmp_dir = "$runtime/libpod"
EOF
  cat >"$work/podman/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$work/podman/graph"
runroot = "$runtime/podman"
EOF
  export CONTAINERS_CONF=$work/podman/containers.conf
  export CONTAINERS_STORAGE_CONF=$work/podman/storage.conf
  make_busybox_rootfs "$work/podman-rootfs"
  tar -C "$work/podman-rootfs" -cf "$work/busybox.tar" .
  podman import "$work/busybox.tar" localhost/srbench-busybox >>"$log" 2>&1
  podman_netns_before=$(ls /run/netns 2>/dev/null || true)
  podman_cni_chains_before=$(cni_chains)
  podman_set_up=1
}

# Names carry the repetition: a container podman failed to remove (below) cannot block the next.
bench_podman() {
  local n=$1 names=()
  for i in $(seq 1 "$n"); do names+=("srbench-$rep-$i"); done
  start_clock
  for i in $(seq 1 "$n"); do
    if ! podman run -d --name "srbench-$rep-$i" --memory 32m --pids-limit 32 --cgroupns private \
      --uidmap "0:$((500000 + i * 65536)):65536" --gidmap "0:$((500000 + i * 65536)):65536" \
      localhost/srbench-busybox /bin/sleep 3600 >>"$log" 2>&1; then
      echo "bench: podman run failed ($(last_said)); this repetition of podman is left out" >&2
      podman rm -f -t 0 "${names[@]}" >>"$log" 2>&1 || true
      return 0
    fi
  done
  stop_clock
  record "podman-up-$n" "$elapsed_ms"
  # podman rm sometimes fails to unmount a container's shm (EBUSY): the time is kept, the failure
  # said (after the clock has stopped), and the leftovers removed untimed.
  local removed=yes
  start_clock
  podman rm -f -t 0 "${names[@]}" >>"$log" 2>&1 || removed=no
  stop_clock
  record "podman-down-$n" "$elapsed_ms"
  if [ "$removed" = no ]; then
    echo "bench: podman rm of $n containers failed ($(last_said)); its time is kept" >&2
  fi
  podman ps -aq --filter name=srbench- | xargs -r podman rm -f -t 0 >>"$log" 2>&1 || true
  podman_forget_netns
}

# A container whose removal failed (the shm EBUSY above) is forgotten by podman 4.3 with its network
# namespace still bound under /run/netns and its veth still on cni-podman0. Left there, they pile up
# run after run (245 after three runs were seen) and slow every tool's netlink work on the host (a
# dump of the host's links, the bridge's port list): the ones made since the start are removed.
# So are its CNI leftovers: the container's chain in iptables' nat table with the POSTROUTING rule
# that jumps to it, the two rules of its address in the filter table's CNI-FORWARD, and the address
# reserved in CNI's host-local IPAM (832 containers' worth were found after some twenty runs).
podman_forget_netns() {
  local ns
  for ns in $(ls /run/netns 2>/dev/null | grep '^netns-' || true); do
    grep -qxF "$ns" <<<"$podman_netns_before" || ip netns delete "$ns" 2>/dev/null || true
  done
  podman_forget_cni
}

cni_ipam=/var/lib/cni/networks/podman
# The per-container chains of the nat table (CNI-<hash>), sorted, one per line.
cni_chains() { iptables-save -t nat 2>/dev/null | sed -n 's/^:\(CNI-[0-9a-f]\{24\}\) .*/\1/p' | sort; }

# Removes what CNI kept of the containers podman forgot since setup_podman (none of the bench's is
# left by then), in one iptables-restore transaction: the rules that jump to each new chain
# (iptables-save's own -A lines, turned into -D), the chains, the forward rules of their addresses;
# then the addresses' reservations.
podman_forget_cni() {
  local chains jumps addresses
  chains=$(comm -13 <(echo "$podman_cni_chains_before") <(cni_chains))
  [ -n "$chains" ] || return 0
  jumps=$(iptables-save -t nat | grep -E "^-A POSTROUTING .* -j ($(paste -sd'|' <<<"$chains"))( |\$)" || true)
  addresses=$(sed -n 's|.* -s \([0-9.]*\)/32 .*|\1|p' <<<"$jumps")
  {
    echo '*nat'
    sed 's/^-A /-D /' <<<"$jumps"
    sed 's/^/-F /' <<<"$chains"
    sed 's/^/-X /' <<<"$chains"
    echo COMMIT
    if [ -n "$addresses" ]; then
      echo '*filter'
      iptables-save -t filter |
        { grep -E "^-A CNI-FORWARD -[sd] ($(sed 's/\./\\./g' <<<"$addresses" | paste -sd'|'))/32 " || true; } |
        sed 's/^-A /-D /'
      echo COMMIT
    fi
  } | iptables-restore --noflush || echo "bench: podman's CNI leftovers could not be removed" >&2
  for address in $addresses; do rm -f "${cni_ipam:?}/$address"; done
}

# The bridge that crun's containers' veths are put on (crun_network), as the lab's networks are.
make_bridge() {
  ip link add "$bridge" type bridge
  ip addr add 10.251.0.1/16 dev "$bridge"
  ip link set "$bridge" up
}

# ---- the run ------------------------------------------------------------------------------------
exec {pause_fd}<> <(:)
hugetlb_remount
make_bridge
mkdir -p "$work/tmpfs" "$runtime"
mount -t tmpfs -o mode=0700 srcompose-bench "$work/tmpfs"
mount -t tmpfs -o mode=0755 srcompose-bench-runtime "$runtime"
make_crun_bundle "$work/crun-sleep" "/bin/sleep 3600"
make_crun_bundle "$work/crun-true" "/bin/true"
# srcompose's containers always have a seccomp filter, crun's bundle from `crun spec` none: the run
# is also timed with the profile podman gives crun (containers-common's), where installed.
run_tools=(srcompose crun-true)
if [ -r "$containers_seccomp" ]; then
  make_crun_bundle "$work/crun-true-seccomp" "/bin/true" "$containers_seccomp"
  run_tools+=(crun-true-seccomp)
fi
setup_podman

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "versions: $("$srcompose" version 2>/dev/null | head -1); $(crun --version | head -1); $(podman --version)"
echo "repetitions: $reps (medians, ms); load average before: $(load)"
for rep in $(seq "$reps"); do
  for n in "${counts[@]}"; do
    bench_srcompose "$n" srcompose
    bench_srcompose "$n" srcompose-tmpfs
    bench_crun "$n"
    if [ "$n" -le "$podman_max" ]; then bench_podman "$n"; fi
  done
  sleep 2
  # Three runs of each tool, taking turns; which one goes first rotates with the turn and the
  # repetition.
  for turn in 1 2 3; do
    for ((k = 0; k < ${#run_tools[@]}; k++)); do
      tool=${run_tools[$(((rep + turn + k) % ${#run_tools[@]}))]}
      if [ "$tool" = srcompose ]; then bench_srcompose_run; else bench_crun_run "$tool"; fi
    done
  done
done

for n in "${counts[@]}"; do
  for figure in up down; do
    sr=$(median "$work/srcompose-$figure-$n")
    cr=$(median "$work/crun-$figure-$n")
    line="${figure}_n$n: srcompose $sr ms, crun $cr ms (crun/srcompose $(ratio "$cr" "$sr")x)"
    if [ -e "$work/podman-$figure-$n" ]; then
      pm=$(median "$work/podman-$figure-$n")
      line+=", podman $pm ms (podman/srcompose $(ratio "$pm" "$sr")x)"
    fi
    echo "$line"
    echo "${figure}_n${n}_storage_on_tmpfs: srcompose $(median "$work/srcompose-tmpfs-$figure-$n") ms"
    if [ "$figure" = down ]; then
      cl=$(median "$work/crun-down-links-$n")
      echo "down_n${n}_until_links_gone: crun $cl ms (crun/srcompose $(ratio "$cl" "$sr")x)"
      cb=$(median "$work/crun-down-bridge-$n")
      echo "down_n${n}_with_its_bridge: crun $cb ms (crun/srcompose $(ratio "$cb" "$sr")x)"
    fi
  done
  # The CPU that `up` cost the machine per container (see cpu_ms): crun's includes its `ip` and
  # `nsenter` processes, which make its veths.
  line="up_n${n}_cpu_per_container:"
  for tool in srcompose crun; do
    user=$(median "$work/$tool-upcpu-$n-user")
    system=$(median "$work/$tool-upcpu-$n-system")
    line+=" $tool $(python3 -c "print(f'{($user + $system) / $n:.1f} ms ({$system / $n:.1f} in the kernel)')"),"
  done
  echo "${line%,}"
  for kind in rss hwm; do
    echo "supervisor_${kind}_n$n: $(python3 -c "import statistics; print(f'{statistics.median(float(l) for l in open(\"$work/srcompose-$kind-$n\")) / 1024:.1f}')") MiB"
  done
done
sr=$(median "$work/srcompose-run")
cr=$(median "$work/run-crun-true")
echo "run_true: srcompose run $sr ms, crun run $cr ms (crun/srcompose $(ratio "$cr" "$sr")x)"
if [ -e "$work/run-crun-true-seccomp" ]; then
  cs=$(median "$work/run-crun-true-seccomp")
  echo "run_true_crun_with_seccomp: crun run $cs ms with containers-common's seccomp profile (crun/srcompose $(ratio "$cs" "$sr")x)"
fi
echo "load average after: $(load)"
