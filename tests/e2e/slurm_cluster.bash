# SPDX-License-Identifier: GPL-2.0-or-later
# A single-node Slurm cluster of the test's own (no systemd): munged, slurmctld and slurmd started in
# the background from a generated slurm.conf in a temporary directory, on ports of their own, and
# stopped by stop_slurm_cluster. The clients find it through SLURM_CONF (exported). Meant for bats'
# setup_file/teardown_file: one cluster per file, its state in exported variables.

# start_slurm_cluster: fails loudly when a tool is missing or a daemon does not come up; never skips
# (CI runs as root with scripts/install-deps' slurmctld, slurmd, slurm-client and munge).
start_slurm_cluster() {
  local tool
  for tool in munged mungekey slurmctld slurmd sbatch squeue sinfo scancel; do
    type -P "$tool" >/dev/null || {
      echo "start_slurm_cluster: $tool is missing (scripts/install-deps installs it)" >&2
      return 1
    }
  done
  SLURM_DIR=$(mktemp -d /tmp/srcompose-slurm.XXXXXX)
  export SLURM_DIR
  mkdir -p "$SLURM_DIR"/{state,spool,log}
  local host
  host=$(hostname -s)
  # Ports of our own: two free ones from the ephemeral range the kernel hands out.
  local ports
  ports=$(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
  local ctld_port=${ports% *} slurmd_port=${ports#* }
  mungekey -c -k "$SLURM_DIR/munge.key" -f
  # munged daemonizes once its socket is ready and writes its pid file.
  munged --socket="$SLURM_DIR/munge.socket" --key-file="$SLURM_DIR/munge.key" \
    --pid-file="$SLURM_DIR/munged.pid" --log-file="$SLURM_DIR/log/munged.log" \
    --seed-file="$SLURM_DIR/munged.seed" --force 3>&- || {
    echo "start_slurm_cluster: munged did not start:" >&2
    cat "$SLURM_DIR/log/munged.log" >&2
    return 1
  }
  cat >"$SLURM_DIR/slurm.conf" <<EOF_CONF
ClusterName=srcompose-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SLURM_DIR/munge.socket
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
SchedulerParameters=sched_interval=1
MinJobAge=60
# More CPUs than the host has: the tasks wait on their labs, not on CPUs, and -j 4 must run four.
NodeName=$host NodeAddr=127.0.0.1 CPUs=8 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF_CONF
  export SLURM_CONF=$SLURM_DIR/slurm.conf
  # In the foreground of a background shell: their pids are ours to stop. fd 3 is bats' own: a
  # daemon holding it would keep bats waiting after the last test.
  slurmctld -D -i -f "$SLURM_CONF" >"$SLURM_DIR/log/slurmctld.out" 2>&1 3>&- &
  SLURMCTLD_PID=$!
  slurmd -D -f "$SLURM_CONF" >"$SLURM_DIR/log/slurmd.out" 2>&1 3>&- &
  SLURMD_PID=$!
  export SLURMCTLD_PID SLURMD_PID
  if ! wait_until "sinfo -h -N -o %T 2>/dev/null | grep -qx idle" 60; then
    echo "start_slurm_cluster: the Slurm cluster did not come up:" >&2
    sinfo -N >&2 || true
    tail -n 20 "$SLURM_DIR"/log/* >&2 || true
    return 1
  fi
}

# Stops the daemons (slurmd first, so that no task is left behind by it), checks that none of them
# and no slurmstepd of ours is left, and removes the directory. Fails listing what was left.
stop_slurm_cluster() {
  [ -n "${SLURM_DIR:-}" ] || return 0
  local pid pids=() left=""
  # Any task still running (a failed test) is cancelled first.
  [ -z "${SLURM_CONF:-}" ] || scancel --full --quiet --user=root 2>/dev/null || true
  for pid in ${SLURMD_PID:-} ${SLURMCTLD_PID:-} $(cat "$SLURM_DIR/munged.pid" 2>/dev/null); do
    kill "$pid" 2>/dev/null || true
    pids+=("$pid")
  done
  for pid in "${pids[@]}"; do
    if ! wait_until "! kill -0 $pid 2>/dev/null" 20; then
      left+="process $pid: $(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null)"$'\n'
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  # A slurmstepd of our cluster names our spool directory on its command line or in its cwd.
  local stepd
  for stepd in $(pgrep -x slurmstepd); do
    if [ "$(readlink /proc/"$stepd"/cwd 2>/dev/null)" = "$SLURM_DIR/spool" ] ||
      grep -qF "$SLURM_DIR" /proc/"$stepd"/environ 2>/dev/null; then
      left+="slurmstepd $stepd"$'\n'
      kill -KILL "$stepd" 2>/dev/null || true
    fi
  done
  rm -rf "$SLURM_DIR"
  if [ -n "$left" ]; then
    echo "left behind by the Slurm cluster:" >&2
    echo "$left" >&2
    return 1
  fi
}
