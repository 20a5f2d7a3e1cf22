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
