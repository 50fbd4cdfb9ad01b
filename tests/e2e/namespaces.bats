#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# What every container's own namespaces get (issue 11): loopback up, ping without NET_RAW,
# namespaced sysctls, ulimits.

load helpers

setup() { setup_lab_env; }
teardown() { teardown_lab_env; }

@test "ping between two containers without NET_RAW; loopback is up with and without networks" {
  write_lab e2e-ping <<'EOF_LAB'
[networks.net]
subnet = "10.231.12.0/24"

[containers.target]
rootfs = "builtin:busybox"
command = ["/bin/sleep", "3600"]
networks = { net = { ipv4 = "10.231.12.10" } }

[containers.pinger]
rootfs = "builtin:busybox"
depends_on = ["target"]
cap_drop = ["NET_RAW"]
user = "1000:1000"
command = ["/bin/sh", "-c", "cat /proc/sys/net/ipv4/ping_group_range; /probe ping 10.231.12.10 ping 127.0.0.1"]
networks = ["net"]
mounts = [{ source = "PROBE", target = "/probe", readonly = true }]

[containers.isolated]
rootfs = "builtin:busybox"
network_mode = "none"
command = ["/bin/sh", "-c", "ip -o link show lo; ip -o addr show lo | grep -q 127.0.0.1 && echo ISOLATED-LO-OK"]

[containers.alone]
rootfs = "builtin:busybox"
command = ["/bin/sh", "-c", "echo hi | nc -l -p 7000 127.0.0.1 & sleep 0.3; nc 127.0.0.1 7000 </dev/null | grep -q hi && echo ALONE-LO-OK"]
EOF_LAB
  sed -i "s|\"PROBE\"|\"$SRCOMPOSE_PROBE\"|" "$LAB"
  run srcompose -f "$LAB" run pinger
  echo "$output"
  [ "$status" -eq 0 ]
  # Both the other container and loopback answer: ping=0 twice.
  [ "$(grep -c '^ping=0$' <<<"$output")" -eq 2 ]
  run srcompose -f "$LAB" run isolated
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"lo:"*"UP"* ]]
  [[ "$output" == *"ISOLATED-LO-OK"* ]]
  run srcompose -f "$LAB" run alone
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"ALONE-LO-OK"* ]]
  assert_nothing_left e2e-ping
}

@test "namespaced sysctls are set in the container only; other keys are refused at load with file:line:col" {
  write_lab e2e-sysctl <<'EOF_LAB'
[containers.c]
rootfs = "builtin:busybox"
sysctls = { "net.ipv4.ip_default_ttl" = 42, "kernel.msgmax" = "12345" }
command = ["/bin/sh", "-c", "echo ttl=$(cat /proc/sys/net/ipv4/ip_default_ttl) msgmax=$(cat /proc/sys/kernel/msgmax)"]
EOF_LAB
  host_ttl=$(cat /proc/sys/net/ipv4/ip_default_ttl)
  host_msgmax=$(cat /proc/sys/kernel/msgmax)
  run srcompose -f "$LAB" run c
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"ttl=42 msgmax=12345"* ]]
  [ "$(cat /proc/sys/net/ipv4/ip_default_ttl)" = "$host_ttl" ]
  [ "$(cat /proc/sys/kernel/msgmax)" = "$host_msgmax" ]

  write_lab e2e-sysctl <<'EOF_LAB'
[containers.c]
rootfs = "builtin:busybox"
sysctls = { "vm.swappiness" = 1 }
EOF_LAB
  run srcompose -f "$LAB" config
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"e2e-sysctl.toml:5:13: containers.c.sysctls.\"vm.swappiness\": found sysctl \"vm.swappiness\": not one of a container's own namespaces"* ]]
}

@test "ulimits apply to the workload; a hard limit above the host's is a clear error before anything starts" {
  write_lab e2e-ulimit <<'EOF_LAB'
[containers.c]
rootfs = "builtin:busybox"
ulimits = { nofile = "512:1024", core = 0, fsize = "1048576" }
command = ["/bin/sh", "-c", "echo nofile=$(ulimit -Sn):$(ulimit -Hn) core=$(ulimit -c) fsize=$(ulimit -f)"]
EOF_LAB
  run srcompose -f "$LAB" run c
  echo "$output"
  [ "$status" -eq 0 ]
  # busybox's ulimit -f counts 512-byte blocks.
  [[ "$output" == *"nofile=512:1024 core=0 fsize=2048"* ]]

  host_hard=$(ulimit -Hn)
  write_lab e2e-ulimit <<EOF_LAB
[containers.c]
rootfs = "builtin:busybox"
ulimits = { nofile = $((host_hard + 1)) }
EOF_LAB
  run srcompose -f "$LAB" run c
  echo "$output"
  if grep -q 'CapEff:.*' /proc/self/status && [ "$(($(grep CapEff /proc/self/status | awk '{print "0x"$2}') >> 24 & 1))" = 1 ]; then
    [ "$status" -eq 0 ]  # with CAP_SYS_RESOURCE the hard limit may be raised
  else
    [ "$status" -eq 1 ]
    [[ "$output" == *"container c: ulimits.nofile: hard limit $((host_hard + 1)) is above this host's $host_hard (raising it needs CAP_SYS_RESOURCE"* ]]
  fi
  assert_nothing_left e2e-ulimit
}
