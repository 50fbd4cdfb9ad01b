#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Networks, published ports and rootfs sources through the real binary (issues 3 and 5).

load helpers

setup() { setup_lab_env; }
teardown() {
  if [ -n "${OTHER_PROJECT:-}" ]; then "$SRCOMPOSE" -p "$OTHER_PROJECT" down >/dev/null 2>&1 || true; fi
  teardown_lab_env
}

@test "a published port answers on the host's 127.0.0.1; a port already bound is a clear error" {
  write_lab e2e-port <<'EOF_LAB'
[networks.net]
subnet = "10.231.9.0/24"

[containers.web]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "mkdir -p /www && echo served-by-web > /www/index.html && exec httpd -f -p 80 -h /www"]
networks = ["net"]
ports = ["127.0.0.1:18080:80/tcp"]
EOF_LAB
  srcompose -f "$LAB" up -d
  # The host's static busybox wget crashes on a glibc host's NSS: Python fetches from the host side.
  wait_until "python3 -c \"import urllib.request as u; print(u.urlopen('http://127.0.0.1:18080/', timeout=1).read().decode())\" 2>/dev/null | grep -q served-by-web" 10
  # The same port in another lab: refused at up, naming it, and nothing of that lab is left.
  OTHER_PROJECT=e2e-port2
  cat >"$TEST_DIR/other.toml" <<EOF_LAB
name = "e2e-port2"
storage = "$STORAGE"
[networks.net]
subnet = "10.231.10.0/24"
[containers.web]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
networks = ["net"]
ports = ["127.0.0.1:18080:80/tcp"]
EOF_LAB
  run srcompose -f "$TEST_DIR/other.toml" up -d
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"port 127.0.0.1:18080/tcp: bind: Address already in use"* ]]
  assert_nothing_left e2e-port2
  srcompose -p e2e-port down
  assert_nothing_left e2e-port
}

@test "two projects on different bridges cannot reach each other; the host reaches both" {
  write_lab e2e-neta <<'EOF_LAB'
[networks.net]
subnet = "10.231.11.0/24"
[containers.a]
rootfs = "builtin:busybox"
command = ["nc", "-ll", "-p", "7", "-e", "/bin/echo", "from-a"]
networks = { net = { ipv4 = "10.231.11.10" } }
EOF_LAB
  srcompose -f "$LAB" up -d
  OTHER_PROJECT=e2e-netb
  cat >"$TEST_DIR/b.toml" <<EOF_LAB
name = "e2e-netb"
storage = "$STORAGE"
[networks.net]
subnet = "10.231.12.0/24"
[containers.b]
rootfs = "builtin:busybox"
command = ["nc", "-ll", "-p", "7", "-e", "/bin/echo", "from-b"]
networks = { net = { ipv4 = "10.231.12.10" } }
EOF_LAB
  srcompose -f "$TEST_DIR/b.toml" up -d
  wait_until "[ \"\$(busybox nc -w 1 10.231.11.10 7 </dev/null)\" = from-a ]"
  wait_until "[ \"\$(busybox nc -w 1 10.231.12.10 7 </dev/null)\" = from-b ]"
  # Forwarding between the two bridges is dropped, in both directions.
  run srcompose -p e2e-neta exec a nc -w 2 10.231.12.10 7
  [ "$output" != "from-b" ]
  run srcompose -p e2e-netb exec b nc -w 2 10.231.11.10 7
  [ "$output" != "from-a" ]
  # The networks are IPv4: eth0 has no IPv6 address, not even a link-local one (nothing to reach
  # the other project or the host through), while lo keeps ::1.
  run srcompose -p e2e-neta exec a ip -6 -o addr show dev eth0
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run srcompose -p e2e-neta exec a ip -6 -o addr show dev lo
  [[ "$output" == *"::1/128"* ]]
  srcompose -p e2e-netb down
  srcompose -p e2e-neta down
  assert_nothing_left e2e-netb
  assert_nothing_left e2e-neta
}

@test "a tarball rootfs is unpacked once into the cache and runs; the tarball is never written" {
  image=$TEST_DIR/image
  mkdir -p "$image/bin" "$image/etc" "$image/proc" "$image/sys" "$image/dev" "$image/tmp"
  cp /bin/busybox "$image/bin/busybox"
  for applet in sh echo cat hostname sleep; do ln -s busybox "$image/bin/$applet"; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$image/etc/passwd"
  echo 'root:x:0:' >"$image/etc/group"
  echo 'made for srcompose' >"$image/etc/motd"
  tar -C "$image" -czf "$TEST_DIR/rootfs.tar.gz" .
  digest_before=$(sha256sum "$TEST_DIR/rootfs.tar.gz")
  write_lab e2e-tar <<EOF_LAB
[containers.t]
rootfs = "$TEST_DIR/rootfs.tar.gz"
command = ["/bin/sh", "-c", "cat /etc/motd; echo host=\$(hostname)"]
EOF_LAB
  run srcompose -f "$LAB" up --no-color
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"t | made for srcompose"* ]]
  [[ "$output" == *"t | host=t"* ]]
  [ -d "$STORAGE/images/sha256-$(echo "$digest_before" | cut -d' ' -f1)" ]
  [ "$(sha256sum "$TEST_DIR/rootfs.tar.gz")" = "$digest_before" ]
  assert_nothing_left e2e-tar
}
