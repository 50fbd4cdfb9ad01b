#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The QEMU guest's second stage, run by tests/qemu/init on the host's root (read-only, over 9p):
# makes the writable places a test run needs, a pure cgroup v2 tree with every controller enabled,
# loads the modules, runs the bats files and reports "srcompose-qemu: result N" on the console.
top=$1 build=$2 tests=${3//,/ }
report() {
  echo "srcompose-qemu: result $1"
  sync
  echo o >/proc/sysrq-trigger
  sleep 10
}
step() { "$@" || { echo "srcompose-qemu: setup failed: $*"; report 98; }; }
echo "srcompose-qemu: kernel $(uname -r)"

step mount -t tmpfs -o mode=0755 tmpfs /run
step mkdir -p /dev/pts /dev/shm
ln -sf /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
step mount -t devpts devpts /dev/pts
step mount -t tmpfs tmpfs /dev/shm
# The kernel's own requests (nf_tables expressions, veth, bridge ...) go through the same wrapper.
step sh -c "echo $top/tests/qemu/modprobe > /proc/sys/kernel/modprobe"
step "$top/tests/qemu/modprobe" -a virtio_blk ext4 overlay veth bridge nf_tables
# /tmp (the tests' storage and state) and /var/lib/srcompose (the examples' storage) on ext4.
# The checkout or the build may live below the host's /tmp: bound back over the new /tmp.
step mkdir /run/host-tmp
step mount --bind /tmp /run/host-tmp
step mount -t ext4 /dev/vda /tmp
step chmod 1777 /tmp
for dir in "$top" "$build"; do
  if [[ $dir == /tmp/* ]]; then
    step mkdir -p "$dir"
    step mount --bind "/run/host-tmp/${dir#/tmp/}" "$dir"
  fi
done
step mkdir -p /tmp/.var-lib
if [[ ! -d /var/lib/srcompose ]]; then  # read-only root: a tmpfs over /var/lib makes the mountpoint
  step mount -t tmpfs -o mode=0755 tmpfs /var/lib
  step mkdir /var/lib/srcompose
fi
step mount --bind /tmp/.var-lib /var/lib/srcompose
step mount -t tmpfs -o mode=0700 tmpfs /root
step mount -t tmpfs -o mode=1777 tmpfs /var/tmp
step mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
controllers=$(cat /sys/fs/cgroup/cgroup.controllers)
echo "srcompose-qemu: cgroup2 controllers: $controllers"
for controller in $controllers; do
  step sh -c "echo +$controller > /sys/fs/cgroup/cgroup.subtree_control"
done
step ip link set lo up
echo 1 >/proc/sys/kernel/sysrq

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
export SRCOMPOSE=$build/srcompose SRCOMPOSE_PROBE=$build/tests/srcompose-probe
export SRCOMPOSE_EXE_THIEF=$build/tests/srcompose-exe-thief
export SRCOMPOSE_SOURCE_DIR=$top SRCOMPOSE_QEMU_GUEST=1
cd "$top" || report 97
# A guest that hangs is killed by run.sh's timeout: shortly before that, say what every process is
# waiting on, so that the console of a CI run tells which test hung and where.
watchdog=$(sed -n 's/.*srcompose\.watchdog=\([0-9]*\).*/\1/p' /proc/cmdline)
if [[ -n $watchdog ]]; then
  (
    sleep "$watchdog"
    echo "srcompose-qemu: watchdog: still running after ${watchdog}s; processes:"
    ps -eo pid,ppid,stat,etimes,wchan:28,args --sort=pid | grep -v ' \[.*\]$'
    for stack in /proc/[0-9]*/stack; do
      pid=${stack#/proc/}; pid=${pid%/stack}
      case $(cat "/proc/$pid/comm" 2>/dev/null) in
        srcompose | bats* | timeout | sleep | sh) echo "-- $pid $(tr '\0' ' ' <"/proc/$pid/cmdline")"; cat "$stack" ;;
      esac
    done 2>/dev/null
    # Where in srcompose itself: the user-space stacks (gdb is on the host's root the guest runs).
    if command -v gdb >/dev/null; then
      for pid in $(pgrep -x srcompose); do
        echo "-- gdb $pid: syscall $(cat "/proc/$pid/syscall" 2>/dev/null)"
        ls -l "/proc/$pid/fd" 2>/dev/null | sed 's/^/   /'
        # The process runs the sealed copy of the binary (its /proc/PID/exe is unreachable): name it.
        timeout 60 gdb "$build/srcompose" -p "$pid" -batch -nx -ex 'thread apply all bt 30' 2>&1 |
          grep -E '^(#|Thread)'
      done
    fi
  ) &
fi
status=0
# Each entry is a bats file, optionally with "@REGEX" selecting its tests by name ('.' for spaces).
for entry in $tests; do
  file=${entry%%@*}
  filter=()
  [[ $entry == *@* ]] && filter=(--filter "${entry#*@}")
  echo "# srcompose-qemu: $entry"
  bats --tap "${filter[@]}" "$file" 2>&1 || status=1
done
report "$status"
