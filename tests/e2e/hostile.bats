#!/usr/bin/env bats
# Attacks of issue 10 played end to end by a container's root (or a crafted image) against the real
# srcompose binary and kernel: the host must stay untouched.

load helpers

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

: "${SRCOMPOSE_PROBE:?set SRCOMPOSE_PROBE to the static probe (ctest does)}"
: "${SRCOMPOSE_EXE_THIEF:?set SRCOMPOSE_EXE_THIEF (ctest does)}"

# A crafted image for CVE-2019-5736: busybox, the probe, the thief installed as the dynamic loader
# that srcompose's binary asks for, and /bin/check, a "#!/proc/self/exe" script standing where a
# teacher's `srcompose exec ... /bin/check` will look.
cve_2019_5736_image() {
  local image=$1
  mkdir -p "$image"/{bin,etc,tmp,proc,sys,dev,lib64}
  cp /bin/busybox "$SRCOMPOSE_PROBE" "$image/bin/"
  mv "$image/bin/$(basename "$SRCOMPOSE_PROBE")" "$image/bin/probe"
  for applet in sh sleep cat; do ln -s busybox "$image/bin/$applet"; done
  cp "$SRCOMPOSE_EXE_THIEF" "$image/lib64/ld-linux-x86-64.so.2"
  printf '#!/proc/self/exe\n' >"$image/bin/check"
  chmod 755 "$image/bin/check"
  echo 'root:x:0:0:root:/:/bin/sh' >"$image/etc/passwd"
  echo 'root:x:0:' >"$image/etc/group"
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

@test "CVE-2019-5736 through exec, idmap = host: the binary srcompose ran from cannot be rewritten" {
  # The thief's fd leads to a read-only mount: EROFS (30), where the host's root would write.
  play_cve_2019_5736 'idmap = "host"' 30
}

@test "CVE-2019-5736 through exec, default user namespace: the binary belongs to an unmapped root" {
  play_cve_2019_5736 '' 13
}
