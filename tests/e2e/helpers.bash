# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the end-to-end tests. They drive the real srcompose binary as root on the real kernel.
# CTest passes SRCOMPOSE (the binary) and SRCOMPOSE_SOURCE_DIR.

: "${SRCOMPOSE:?set SRCOMPOSE to the srcompose binary (ctest does)}"
: "${SRCOMPOSE_SOURCE_DIR:?set SRCOMPOSE_SOURCE_DIR (ctest does)}"

require_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "these end-to-end tests need root; they never skip" >&2
    return 1
  fi
}

# Every test gets its own state root and storage dir, so nothing touches a real lab on the machine.
setup_lab_env() {
  require_root
  TEST_DIR=$(mktemp -d /tmp/srcompose-e2e.XXXXXX)
  export SRCOMPOSE_STATE_DIR=$TEST_DIR/state
  STORAGE=$TEST_DIR/storage
}

teardown_lab_env() {
  if [ -n "${PROJECT:-}" ]; then
    "$SRCOMPOSE" -p "$PROJECT" down >/dev/null 2>&1 || true
  fi
  rm -rf "$TEST_DIR"
}

srcompose() { "$SRCOMPOSE" "$@"; }

# Writes a lab file: the first argument is the project, the rest of the TOML comes on stdin. The
# storage dir is the test's own.
write_lab() {
  local project=$1
  PROJECT=$project
  LAB=$TEST_DIR/$project.toml
  { echo "name = \"$project\""; echo "storage = \"$STORAGE\""; cat; } >"$LAB"
}

# Waits up to $2 seconds (default 10) for the command $1 to succeed.
# Waits up to $2 seconds (10) of wall time, however long each try of the command takes.
wait_until() {
  local command=$1 timeout=${2:-10}
  local deadline=$((SECONDS + timeout))
  until eval "$command"; do
    if ((SECONDS >= deadline)); then
      echo "timed out after ${timeout}s waiting for: $command" >&2
      return 1
    fi
    sleep 0.1
  done
}

# Fails, listing what is left, if anything of project $1 remains on the host: a process in its
# cgroups, a cgroup, a bridge or veth carrying its alias, its nftables table, a mount of its storage,
# or its state directory.
assert_nothing_left() {
  local project=$1 left=""
  local cgroups
  cgroups=$(find /sys/fs/cgroup -maxdepth 4 -type d -path "*/srcompose/$project" 2>/dev/null)
  [ -z "$cgroups" ] || left+="cgroups: $cgroups"$'\n'
  local links
  links=$(ip -d -o link show 2>/dev/null | grep -F "srcompose:$project:" || true)
  [ -z "$links" ] || left+="links: $links"$'\n'
  # nft must exist: a missing tool would make this check pass whatever is left.
  local tables
  tables=$(nft list tables) || { echo "assert_nothing_left: nft list tables failed" >&2; return 1; }
  if grep -qw "srcompose_$project" <<<"$tables"; then
    left+="nftables table srcompose_$project"$'\n'
  fi
  local mounts
  mounts=$(grep -F "/containers/$project/" /proc/self/mountinfo || true)
  [ -z "$mounts" ] || left+="mounts: $mounts"$'\n'
  [ ! -e "$SRCOMPOSE_STATE_DIR/$project" ] || left+="state dir $SRCOMPOSE_STATE_DIR/$project"$'\n'
  [ ! -e "${STORAGE:-/nonexistent}/containers/$project" ] || left+="layers ${STORAGE}/containers/$project"$'\n'
  if [ -n "$left" ]; then
    echo "left behind by $project:" >&2
    echo "$left" >&2
    return 1
  fi
}

# The host pid of a container's init, from `ps --format json`.
container_pid() {
  srcompose -p "$PROJECT" ps -a --format json |
    python3 -c "import json,sys; print(next(c['pid'] for c in json.load(sys.stdin) if c['name']=='$1'))"
}

# A field of a container in `ps --format json` (a Python expression over `c`).
ps_field() {
  srcompose -p "$PROJECT" ps -a --format json |
    python3 -c "import json,sys; c=next(c for c in json.load(sys.stdin) if c['name']=='$1'); print($2)"
}

# True once process $1 has exited: gone, or a zombie its parent (this shell) has not reaped yet.
process_gone() {
  ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# A lab $1 of one container, c, that sleeps (busybox).
sleeping_lab() {
  write_lab "$1" <<'EOF_LAB'
[containers.c]
rootfs = "builtin:busybox"
command = ["sleep", "600"]
EOF_LAB
}

# Fails unless the run report $1 validates against docs/report.schema.json.
validate_report() {
  python3 - "$1" "$SRCOMPOSE_SOURCE_DIR/docs/report.schema.json" <<'EOF_PY'
import json, sys
import jsonschema
report = json.load(open(sys.argv[1]))
schema = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(report)
EOF_PY
}
