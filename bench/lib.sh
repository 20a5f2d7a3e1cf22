# Shared by the benchmarks: sourced, not run.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
PROCSNOOP=$ROOT/$BUILD/procsnoop
BENCH_BIN=$ROOT/$BUILD/bench

# Debian's libbpf-tools, for comparison (installed when missing).
ensure_libbpf_tools() {
	"$ROOT/scripts/install-deps.sh" libbpf-tools
}

# CPU seconds (user+system) a process has used so far.
cpu_seconds() {
	awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"
}

# Starts a tracer in the background with its output to $1; waits until READY_PATTERN
# shows on its stderr or stdout.
# Sets TRACER_PID. Usage: start_tracer OUTFILE READY_PATTERN CMD...
start_tracer() {
	local out=$1 pattern=$2 err
	shift 2
	err=$(mktemp)
	"$@" >"$out" 2>"$err" &
	TRACER_PID=$!
	for _ in $(seq 1 300); do
		if grep -q -- "$pattern" "$err" "$out" 2>/dev/null; then
			rm -f "$err"
			return 0
		fi
		kill -0 "$TRACER_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "tracer did not start: $*" >&2
	cat "$err" >&2
	rm -f "$err"
	return 1
}

stop_tracer() {
	kill -INT "$TRACER_PID" 2>/dev/null || true
	wait "$TRACER_PID" 2>/dev/null || true
}

# BPF run time of every loaded program (kernel.bpf_stats_enabled), as "id run_time_ns
# run_cnt" lines.
prog_stats() {
	bpftool prog show -j | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    print(p["id"], p.get("run_time_ns", 0), p.get("run_cnt", 0))'
}

# BPF ns per event between two prog_stats snapshots, over programs not in the first
# snapshot (those the tracer attached). Usage: bpf_ns BEFORE_TRACER START END EVENTS
bpf_ns() {
	python3 - "$@" <<'PY'
import sys
def load(path):
    return {int(l.split()[0]): tuple(map(int, l.split()[1:])) for l in open(path) if l.strip()}
old, a, b, events = load(sys.argv[1]), load(sys.argv[2]), load(sys.argv[3]), int(sys.argv[4])
ns = sum(b[i][0] - a.get(i, (0, 0))[0] for i in b if i not in old)
print(f"{ns / events:.1f}")
PY
}

# kernel.bpf_stats_enabled on for the run; bpf_stats_restore puts it back.
bpf_stats_on() {
	BPF_STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
}

bpf_stats_restore() {
	sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_WAS"
}
