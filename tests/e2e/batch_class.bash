# SPDX-License-Identifier: GPL-2.0-or-later
# A class of 12 submissions and the lab that grades them, shared by batch.bats (locally) and
# batch_slurm.bats (through Slurm): both must summarize it the same way. At the end, the grades of
# examples/' sample class (examples.bats locally, batch_slurm.bats through Slurm).
#
# Each submission is an echo server on port 7 (server.sh); the grader sends "ping" and passes when
# it gets "ping" back. s03 answers in upper case (a wrong answer), s05 crashes (SIGSEGV), s08 loops
# forever without listening. Each instance picks a free subnet of its own (subnet = "auto").

# make_class DIR: DIR/lab.toml and DIR/class/s01..s12.
make_class() {
  local dir=$1
  mkdir -p "$dir/class"
  local n
  for n in 01 02 03 04 05 06 07 08 09 10 11 12; do
    mkdir -p "$dir/class/s$n"
    echo 'exec nc -ll -p 7 -e /bin/cat' >"$dir/class/s$n/server.sh"
  done
  echo "exec nc -ll -p 7 -e /bin/sh -c 'tr a-z A-Z'" >"$dir/class/s03/server.sh"
  echo 'echo crashing; kill -SEGV $$' >"$dir/class/s05/server.sh"
  echo 'while :; do :; done' >"$dir/class/s08/server.sh"
  cat >"$dir/lab.toml" <<EOF_LAB
name = "batchlab"
storage = "$STORAGE"

[networks.net]
subnet = "auto"
internal = true

[containers.submission]
rootfs = "builtin:busybox"
command = ["/bin/sh", "/submission/server.sh"]
networks = ["net"]
mounts = [{ source = "\${ITEM_PATH}", target = "/submission", readonly = true }]
# cpu_time: s08's endless loop is killed by it, its status in the report says so.
limits = { memory = "16M", pids = 16, cpus = 1, cpu_time = "1s" }

[containers.grader]
rootfs = "builtin:busybox"
networks = ["net"]
depends_on = ["submission"]
limits = { memory = "16M", pids = 16 }
# Tries for a few seconds (longer than s08 takes to use its cpu_time): a crashed or looping
# submission never answers.
command = ["/bin/sh", "-c", """
for try in \$\$(seq 25); do
  answer=\$\$(echo ping | nc -w 1 submission 7) && [ -n "\$\$answer" ] && break
  sleep 0.2
done
echo "\${ITEM}: got '\$\$answer'"
[ "\$\$answer" = ping ]
"""]
EOF_LAB
}

# The summary's rows without what differs between runs (times, host, memory): item, result, exit
# code, status, and each container's status and exit code, one line per item.
summary_grades() {
  python3 - "$1" <<'EOF_PY'
import csv, sys
for row in csv.DictReader(open(sys.argv[1])):
    print(row["item"], row["result"], row["exit_code"], row["status"], row["error"] or "-",
          row["submission_status"], row["submission_exit_code"],
          row["grader_status"], row["grader_exit_code"])
EOF_PY
}

# interrupt_batch LOG ARGS...: runs `srcompose batch ARGS...` in the background, sends it SIGINT once
# two items are complete and others run (ARGS name `--results OUT` as two words: OUT's done.json
# files tell), and sets `status` to its exit status; its output is in LOG.
interrupt_batch() {
  local log=$1
  shift
  local out
  out=$(printf '%s\n' "$@" | sed -n '/^--results$/{n;p}')
  "$SRCOMPOSE" batch "$@" >"$log" 2>&1 &
  local batch=$!
  wait_until "[ \$(ls $out/*/done.json 2>/dev/null | wc -l) -ge 2 ]" 120
  kill -INT "$batch"
  status=0
  wait "$batch" || status=$?
  cat "$log"
}

# Fails when anything of the class's 12 instances is left on the host.
assert_no_instance_left() {
  local n
  for n in 01 02 03 04 05 06 07 08 09 10 11 12; do
    assert_nothing_left "batchlab-s$n"
  done
}

# The summary's CSV without the columns that differ between two runs of the same class: times,
# hosts, memory peaks.
summary_without_timings() {
  python3 - "$1" <<'EOF_PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
varying = ("started_at", "ended_at", "duration_ms", "host")
keep = [i for i, name in enumerate(rows[0])
        if name not in varying and not name.endswith(("_wall_time_ms", "_cpu_time_ms", "_memory_peak"))]
writer = csv.writer(sys.stdout, lineterminator="\n")
for row in rows:
    writer.writerow([row[i] for i in keep])
EOF_PY
}

# The grades every run of the class must give, as summary_grades prints them. Each submission is
# stopped when its lab is torn down (SIGTERM: 143) but s05, which crashed (SIGSEGV: 139), and s08,
# whose endless loop used up its cpu_time (SIGKILL: 137).
expected_grades() {
  local n
  for n in 01 02 03 04 05 06 07 08 09 10 11 12; do
    case $n in
      03) echo "s03 done 1 exited - stopped 143 exited 1" ;;
      05) echo "s05 done 1 exited - signaled 139 exited 1" ;;
      08) echo "s08 done 1 exited - cpu_time 137 exited 1" ;;
      *) echo "s$n done 0 ok - stopped 143 ok 0" ;;
    esac
  done
}

# assert_sample_class_graded OUT: OUT holds the grades of examples/submissions/ by examples/lab.toml
# (README, "Grading a class"), whether graded here or through Slurm, and nothing of it is left.
assert_sample_class_graded() {
  local out=$1 student
  # alice is right; bob shouts; carol's server crashes (SIGSEGV) and dave's loops without listening:
  # their graders fail the echo check. The students still serving are stopped by the teardown.
  python3 - "$out/summary.csv" <<'EOF_PY'
import csv, sys
rows = {r["item"]: r for r in csv.DictReader(open(sys.argv[1]))}
got = {item: (r["result"], r["exit_code"], r["status"], r["student_status"], r["student_exit_code"],
              r["service_status"]) for item, r in rows.items()}
expected = {"alice": ("done", "0", "ok", "stopped", "143", "stopped"),
            "bob": ("done", "1", "exited", "stopped", "143", "stopped"),
            "carol": ("done", "1", "exited", "signaled", "139", "stopped"),
            "dave": ("done", "1", "exited", "stopped", "143", "stopped")}
assert got == expected, got
# The fingerprint covers the interpolated lab: each student's mount source makes its own.
fingerprints = {r["fingerprint"] for r in rows.values()}
assert len(fingerprints) == 4 and all(f.startswith("sha256:") for f in fingerprints), rows
EOF_PY
  grep -q "FAIL student echo: expected 'ping', got 'PING'" "$out/bob/grader.log"
  grep -q "carol: starting" "$out/carol/student.log"
  for student in alice bob carol dave; do
    assert_nothing_left "gradelab-$student"
  done
}
