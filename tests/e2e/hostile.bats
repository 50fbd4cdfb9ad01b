#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Attacks of issue 10 played end to end by a container's root (or a crafted image) against the real
# srcompose binary and kernel: the host must stay untouched.

load helpers

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

: "${SRCOMPOSE_PROBE:?set SRCOMPOSE_PROBE to the static probe (ctest does)}"
: "${SRCOMPOSE_EXE_THIEF:?set SRCOMPOSE_EXE_THIEF (ctest does)}"

# A plain image with busybox and the probe.
probe_image() {
  local image=$1
  mkdir -p "$image"/{bin,etc,tmp,proc,sys,dev}
  cp /bin/busybox "$image/bin/"
  cp "$SRCOMPOSE_PROBE" "$image/bin/probe"
  for applet in sh sleep cat; do ln -s busybox "$image/bin/$applet"; done
  echo 'root:x:0:0:root:/:/bin/sh' >"$image/etc/passwd"
  echo 'root:x:0:' >"$image/etc/group"
}

# A crafted image for CVE-2019-5736: the probe image, the thief installed as the dynamic loader
# that srcompose's binary asks for, and /bin/check, a "#!/proc/self/exe" script standing where a
# teacher's `srcompose exec ... /bin/check` will look.
cve_2019_5736_image() {
  local image=$1
  probe_image "$image"
  mkdir -p "$image/lib64"
  cp "$SRCOMPOSE_EXE_THIEF" "$image/lib64/ld-linux-x86-64.so.2"
  printf '#!/proc/self/exe\n' >"$image/bin/check"
  chmod 755 "$image/bin/check"
}

# $1: the idmap line of the container; $2: the errno the thief's reopen for writing must get.
play_cve_2019_5736() {
  local idmap=$1 expected=$2
  cve_2019_5736_image "$TEST_DIR/image"
  # The exec below runs from a copy, so that a failure writes to the copy, never to the build.
  cp "$SRCOMPOSE" "$TEST_DIR/srcompose-copy"
  write_lab e2e-cve5736 <<EOF_LAB
[containers.victim]
rootfs = "$TEST_DIR/image"
command = ["/bin/sleep", "3600"]
$idmap
EOF_LAB
  srcompose -f "$LAB" up -d
  # The teacher's exec: the script makes the kernel run /proc/self/exe of the process srcompose
  # forked into the container, with the thief as its loader.
  "$TEST_DIR/srcompose-copy" -p e2e-cve5736 exec victim /bin/check || true
  # The second stage retries while the copy still runs, then reports.
  wait_until "srcompose -p e2e-cve5736 exec victim /bin/cat /tmp/result >/dev/null 2>&1" 30
  run srcompose -p e2e-cve5736 exec victim /bin/cat /tmp/result
  echo "$output"
  [ "$output" = "rewrite_errno=$expected" ]
  cmp "$SRCOMPOSE" "$TEST_DIR/srcompose-copy"
  srcompose -p e2e-cve5736 down
  assert_nothing_left e2e-cve5736
}

# Execveats of the read-only copy (AT_EMPTY_PATH) by the process running `srcompose "$@"` (not
# followed into its children: the re-execution comes first, and up -d leaves a supervisor running).
sealed_reexecs() {
  strace -qq -e trace=execveat -o "$TEST_DIR/execs" "$SRCOMPOSE" "$@" >/dev/null 2>&1 || true
  grep -c AT_EMPTY_PATH "$TEST_DIR/execs" || true
}

@test "only exec, which forks into a container itself, re-executes from the sealed copy" {
  command -v strace >/dev/null || { echo "strace is required (scripts/install-deps)"; return 1; }
  write_lab e2e-sealing <<'EOF_LAB'
[containers.c]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
EOF_LAB
  # up's supervisor forks nothing into a container (its launcher, started from the copy, clones
  # the inits and the exec helpers): no re-execution.
  [ "$(sealed_reexecs -f "$LAB" up -d)" = 0 ]
  for command in ps version "logs c" "port c 80"; do
    # shellcheck disable=SC2086 # the command's words
    count=$(sealed_reexecs -p e2e-sealing $command)
    echo "$command: $count"
    [ "$count" = 0 ]
  done
  # exec forks into the container: from the copy.
  [ "$(sealed_reexecs -p e2e-sealing exec c /bin/true)" = 1 ]
  [ "$(sealed_reexecs -p e2e-sealing down)" = 0 ]
  assert_nothing_left e2e-sealing
}

@test "CVE-2019-5736 through exec, idmap = host: the binary srcompose ran from cannot be rewritten" {
  # The thief's fd leads to a read-only mount: EROFS (30), where the host's root would write.
  play_cve_2019_5736 'idmap = "host"' 30
}

@test "CVE-2019-5736 through exec, default user namespace: the binary belongs to an unmapped root" {
  play_cve_2019_5736 '' 13
}

@test "CVE-2019-5736 through a health check: its process runs from a read-only copy, not the supervisor's binary" {
  # The thief hands the exe to /bin/probe: here a script that asks the real probe where it lies.
  # The launcher's binary is executed as long as the lab is up, so a rewrite would only ever see
  # ETXTBSY; what protects it for good is the read-only mount, which the check's process must be on
  # although the supervisor itself runs from the host's (writable) file.
  cve_2019_5736_image "$TEST_DIR/image"
  mv "$TEST_DIR/image/bin/probe" "$TEST_DIR/image/bin/real-probe"
  printf '#!/bin/sh\nexec /bin/real-probe exe-mount 3 /tmp/result\n' >"$TEST_DIR/image/bin/probe"
  chmod 755 "$TEST_DIR/image/bin/probe"
  write_lab e2e-cve5736h <<EOF_LAB
[containers.victim]
rootfs = "$TEST_DIR/image"
command = ["/bin/sleep", "3600"]
idmap = "host"
healthcheck = { command = ["/bin/check"], interval = "1s", timeout = "5s" }
EOF_LAB
  srcompose -f "$LAB" up -d
  local supervisor
  supervisor=$(head -1 "$SRCOMPOSE_STATE_DIR/e2e-cve5736h/lock")
  [ "$(readlink "/proc/$supervisor/exe")" = "$(readlink -f "$SRCOMPOSE")" ]
  wait_until "srcompose -p e2e-cve5736h exec victim /bin/cat /tmp/result >/dev/null 2>&1" 30
  run srcompose -p e2e-cve5736h exec victim /bin/cat /tmp/result
  echo "$output"
  [ "$output" = "exe_readonly=1" ]
  srcompose -p e2e-cve5736h down
  assert_nothing_left e2e-cve5736h
}

# $1: the idmap line; $2: the errno of mknod; $3: of opening the nodes made on the container's
# own mounts (the overlay's /tmp and /dev: nodev); $4: of opening the node made on a tmpfs the
# container mounted itself (CAP_SYS_ADMIN), which only the device cgroup stands in front of.
play_host_device() {
  local idmap=$1 mknod_errno=$2 nodev_errno=$3 cgroup_errno=$4
  probe_image "$TEST_DIR/image"
  # A whole disk of the host: root opens it for reading unless a device cgroup says no.
  local disk
  disk=$(cat "$(ls -d /sys/block/* | grep -v -e /loop -e /ram | head -1)/dev")
  local probes="" dir
  for dir in /tmp /dev /mnt; do
    probes+=" mknod $dir/disk b ${disk%:*} ${disk#*:} open-read $dir/disk"
  done
  write_lab e2e-devices <<EOF_LAB
[containers.box]
rootfs = "$TEST_DIR/image"
cap_add = ["MKNOD", "SYS_ADMIN"]
command = ["/bin/sh", "-c", "/bin/busybox mkdir /mnt; /bin/busybox mount -t tmpfs t /mnt; exec /bin/probe $probes read /dev/null write /dev/null"]
$idmap
EOF_LAB
  srcompose -f "$LAB" up -d
  wait_until "srcompose -p e2e-devices logs box | grep -q write_errno" 20
  run srcompose -p e2e-devices logs box
  echo "$output"
  values=$(sed -n 's/^box *| //p' <<<"$output" | tr '\n' ' ')
  local expected="mknod_errno=$mknod_errno open_read_errno=$nodev_errno"
  expected+=" mknod_errno=$mknod_errno open_read_errno=$nodev_errno"
  expected+=" mknod_errno=$mknod_errno open_read_errno=$cgroup_errno"
  [ "$values" = "$expected read_errno=0 read_size=0 write_errno=0 " ]
  srcompose -p e2e-devices down
  assert_nothing_left e2e-devices
}

@test "idmap = host with MKNOD and SYS_ADMIN: a node of the host's disk is made but opens nothing" {
  # nodev refuses the open on srcompose's mounts (EACCES, 13), the device cgroup on the container's
  # own tmpfs (EPERM, 1); /dev/null still reads and writes.
  play_host_device 'idmap = "host"' 0 13 1
}

@test "default user namespace with MKNOD: no device node can be made at all" {
  # mknod of a device needs CAP_MKNOD in the initial user namespace; the opens find no file (2).
  play_host_device '' 1 2 2
}
