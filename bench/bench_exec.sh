#!/usr/bin/env bash
# fork+exec+exit storm of /bin/true pinned to CPU 0, the tracers on CPU 1: no tracer,
# procsnoop exec exit (table to a file), libbpf-tools execsnoop + exitsnoop (to files), in one run.
# One fork+exec varies by more than a tracer adds to it, so the verdict is on what is stable:
# the BPF run time per exec (kernel.bpf_stats_enabled) and the tracers' CPU per exec, each
# against the libbpf-tools pair. The wall-clock added cost is shown with its spread.
source "$(dirname "$0")/lib.sh"
N=${EXEC_BENCH_EXECS:-2000}
ROUNDS=${EXEC_BENCH_ROUNDS:-11}
STORM=$BENCH_BIN/exec_storm
OUT=$(mktemp -d)
ensure_libbpf_tools
bpf_stats_on
trap 'bpf_stats_restore; rm -rf "$OUT"' EXIT

storm() { # prints us per fork+exec+exit
	"$STORM" "$N" 0 | awk '{ print $4 }'
}


median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Rounds alternate the three setups, so drift on a shared machine hits each alike.
bases=() pss=() lts=() psbpf=() ltbpf=() ps_got=0 ps_exits=0 ps_lost=0 es_got=0 xs_got=0
pscpu=0 ltcpu=0
for _ in $(seq 1 "$ROUNDS"); do
	bases+=("$(storm)")

	# procsnoop exec exit: one process, one ring buffer
	prog_stats >"$OUT/old"
	start_tracer "$OUT/ps.txt" "procsnoop: tracing" taskset -c 1 "$PROCSNOOP" exec exit
	cpu0=$(cpu_seconds "$TRACER_PID")
	prog_stats >"$OUT/start"
	pss+=("$(storm)")
	prog_stats >"$OUT/end"
	psbpf+=("$(bpf_ns "$OUT/old" "$OUT/start" "$OUT/end" $((N + 50)))")
	sleep 0.2
	cpu1=$(cpu_seconds "$TRACER_PID")
	kill -INT "$TRACER_PID"; wait "$TRACER_PID" || true
	pscpu=$(echo "$pscpu + $cpu1 - $cpu0" | bc -l)
	ps_got=$(( ps_got + $(awk '$2 == "exec" && $0 ~ /args=\/bin\/true$/ { n++ } END { print n + 0 }' "$OUT/ps.txt") ))
	ps_exits=$(( ps_exits + $(awk '$2 == "exit" && $4 == "true" { n++ } END { print n + 0 }' "$OUT/ps.txt") ))
	ps_lost=$(( ps_lost + $(awk '$2 == "LOST" { s += $3 } END { print s + 0 }' "$OUT/ps.txt") ))

	# libbpf-tools execsnoop + exitsnoop: two processes, two perf buffers
	prog_stats >"$OUT/old"
	start_tracer "$OUT/es.txt" "PCOMM" taskset -c 1 /usr/sbin/execsnoop
	ES_PID=$TRACER_PID
	start_tracer "$OUT/xs.txt" "PCOMM" taskset -c 1 /usr/sbin/exitsnoop
	XS_PID=$TRACER_PID
	scpu0=$(echo "$(cpu_seconds "$ES_PID") + $(cpu_seconds "$XS_PID")" | bc -l)
	prog_stats >"$OUT/start"
	lts+=("$(storm)")
	prog_stats >"$OUT/end"
	ltbpf+=("$(bpf_ns "$OUT/old" "$OUT/start" "$OUT/end" $((N + 50)))")
	sleep 0.3
	scpu1=$(echo "$(cpu_seconds "$ES_PID") + $(cpu_seconds "$XS_PID")" | bc -l)
	kill -INT "$ES_PID" "$XS_PID"; wait "$ES_PID" "$XS_PID" || true
	ltcpu=$(echo "$ltcpu + $scpu1 - $scpu0" | bc -l)
	es_got=$(( es_got + $(grep -c '^true ' "$OUT/es.txt" || true) ))
	xs_got=$(( xs_got + $(grep -c '^true ' "$OUT/xs.txt" || true) ))
done
base=$(median "${bases[@]}")
ps_us=$(median "${pss[@]}")
lt_us=$(median "${lts[@]}")
ps_bpf=$(median "${psbpf[@]}")
lt_bpf=$(median "${ltbpf[@]}")
# The spread of the wall-clock figures: lowest and highest round.
spread() { printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | paste -sd/; }

issued=$(( ROUNDS * (N + 50) ))
awk -v base="$base" -v ps="$ps_us" -v lt="$lt_us" -v issued="$issued" \
    -v psgot="$ps_got" -v psexits="$ps_exits" -v pslost="$ps_lost" \
    -v esgot="$es_got" -v xsgot="$xs_got" \
    -v pscpu="$pscpu" -v ltcpu="$ltcpu" -v rounds="$ROUNDS" \
    -v psbpf="$ps_bpf" -v ltbpf="$lt_bpf" -v bspread="$(spread "${bases[@]}")" \
    -v psspread="$(spread "${pss[@]}")" -v ltspread="$(spread "${lts[@]}")" 'BEGIN {
	pscpu_us = psgot ? pscpu * 1e6 / psgot : 0
	ltcpu_us = esgot ? ltcpu * 1e6 / esgot : 0
	printf "median of %d alternating rounds (lowest/highest round in brackets)\n", rounds
	printf "fork+exec+exit of /bin/true          us/exec                    added us  BPF ns/exec  tracer CPU us/exec  execs/exits of %d  lost\n", issued
	printf "no tracer                           %8.2f [%s]\n", base, bspread
	printf "procsnoop exec exit (table to file) %8.2f [%s] %8.2f  %11.0f  %18.2f  %6d/%-6d  %5d\n", ps, psspread, ps - base, psbpf, pscpu_us, psgot, psexits, pslost
	printf "libbpf-tools execsnoop + exitsnoop  %8.2f [%s] %8.2f  %11.0f  %18.2f  %6d/%-6d      ?\n", lt, ltspread, lt - base, ltbpf, ltcpu_us, esgot, xsgot
	if (ltbpf > 0 && ltcpu_us > 0)
		printf "procsnoop / libbpf-tools pair: BPF time %.3f, tracer CPU %.3f (targets <= 0.2 each); wall-clock added cost %.3f (information only)\n", psbpf / ltbpf, pscpu_us / ltcpu_us, (lt > base) ? (ps - base) / (lt - base) : 0
}'
