#!/usr/bin/env bash
# kill(own pid, 0) storm pinned to CPU 0, the tracer on CPU 1: no tracer, procsnoop sig -k
# (table to a file), libbpf-tools sigsnoop -k (to a file), in one run.
source "$(dirname "$0")/lib.sh"
N=${SIG_BENCH_CALLS:-1000000}
N_SLOW=${SIG_BENCH_CALLS_SLOW:-200000}
STORM=$BENCH_BIN/sig_storm
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
ensure_libbpf_tools

storm() { # prints ns per call
	"$STORM" "$1" 0 | awk '{ print $4 }'
}

median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

base=$(median3 "$(storm "$N")" "$(storm "$N")" "$(storm "$N")")

# procsnoop
start_tracer "$OUT/ps.txt" "procsnoop: tracing" taskset -c 1 "$PROCSNOOP" sig -k
cpu0=$(cpu_seconds "$TRACER_PID")
ps_ns=$(storm "$N")
sleep 0.3
cpu1=$(cpu_seconds "$TRACER_PID")
kill -INT "$TRACER_PID"; wait "$TRACER_PID" || true
ps_got=$(grep -c ' sig_storm ' "$OUT/ps.txt" || true)
ps_lost=$(awk '$2 == "LOST" { s += $3 } END { print s + 0 }' "$OUT/ps.txt")

# libbpf-tools sigsnoop
start_tracer "$OUT/ss.txt" "TIME" taskset -c 1 /usr/sbin/sigsnoop -k
scpu0=$(cpu_seconds "$TRACER_PID")
ss_ns=$(storm "$N_SLOW")
sleep 0.5
scpu1=$(cpu_seconds "$TRACER_PID")
kill -INT "$TRACER_PID"; wait "$TRACER_PID" || true
ss_got=$(grep -c 'sig_storm' "$OUT/ss.txt" || true)

awk -v base="$base" -v ps="$ps_ns" -v ss="$ss_ns" -v n="$N" -v ns="$N_SLOW" \
    -v psgot="$ps_got" -v pslost="$ps_lost" -v ssgot="$ss_got" \
    -v pscpu="$(echo "$cpu1 - $cpu0" | bc -l)" -v sscpu="$(echo "$scpu1 - $scpu0" | bc -l)" 'BEGIN {
	printf "kill(pid, 0) storm                 ns/call  added ns  delivered/issued   lost  tracer CPU s per 1M events\n"
	printf "no tracer                         %8.1f\n", base
	printf "procsnoop sig -k (table to file)  %8.1f  %8.1f  %9d/%-9d %6d  %.2f\n", ps, ps - base, psgot, n + 1000, pslost, psgot ? pscpu * 1e6 / psgot : 0
	printf "libbpf-tools sigsnoop -k          %8.1f  %8.1f  %9d/%-9d      ?  %.2f\n", ss, ss - base, ssgot, ns + 1000, ssgot ? sscpu * 1e6 / ssgot : 0
	if (ss - base > 0)
		printf "procsnoop added cost / sigsnoop added cost: %.3f (target <= 0.05)\n", (ps - base) / (ss - base)
}'
