#!/usr/bin/env bash
# openat storms pinned to CPU 0, the tracer on CPU 1: an existing file opened and closed, and
# a missing one (ENOENT), both relative to a working directory four levels deep.  No tracer,
# procsnoop open, procsnoop open --full-path (table to a file), libbpf-tools opensnoop (to a
# file), in one run.
source "$(dirname "$0")/lib.sh"
N=${OPEN_BENCH_CALLS:-1000000}
N_SLOW=${OPEN_BENCH_CALLS_SLOW:-100000}
STORM=$BENCH_BIN/open_storm
OUT=$(mktemp -d)
ensure_libbpf_tools
mkdir -p "$OUT/work/a/b/c"
touch "$OUT/work/a/b/c/existing"
cd "$OUT/work/a/b/c"

storm() { # MODE PATH N: prints ns per call
	"$STORM" "$1" "$2" "$3" 0 | awk '{ print $4 }'
}

median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

# Prints "ns delivered lost cpu_s bpf_ns": the median of three storms under a tracer
# started by start_tracer with kernel.bpf_stats_enabled off (the statistics cost each program
# run two clock reads, which would count against the tracer with more programs), then BPF ns
# per call from a fourth storm with them on.
measure() { # MODE PATH N OUTFILE READY CMD...
	local mode=$1 path=$2 n=$3 out=$4 ready=$5 a b c cpu0 cpu1 got lost bns
	shift 5
	prog_stats >"$OUT/old"
	start_tracer "$out" "$ready" taskset -c 1 "$@" || return 1
	cpu0=$(cpu_seconds "$TRACER_PID")
	a=$(storm "$mode" "$path" "$n")
	b=$(storm "$mode" "$path" "$n")
	c=$(storm "$mode" "$path" "$n")
	bpf_stats_on
	prog_stats >"$OUT/start"
	storm "$mode" "$path" "$n" >/dev/null
	prog_stats >"$OUT/end"
	bpf_stats_restore
	sleep 0.5
	cpu1=$(cpu_seconds "$TRACER_PID")
	stop_tracer
	got=$(grep -c "open_storm .*[ /]$path\$" "$out" || true)
	lost=$(awk '$2 == "LOST" { s += $3 } END { print s + 0 }' "$out")
	bns=$(bpf_ns "$OUT/old" "$OUT/start" "$OUT/end" $((n + 1000)))
	echo "$(median3 "$a" "$b" "$c") $got $lost $(echo "$cpu1 - $cpu0" | bc -l) $bns"
}

trap 'rm -rf "$OUT"; [ -z "${BPF_STATS_WAS:-}" ] || bpf_stats_restore' EXIT

for mode in ok fail; do
	path=existing
	[ "$mode" = fail ] && path=missing
	base=$(median3 "$(storm $mode $path "$N")" "$(storm $mode $path "$N")" "$(storm $mode $path "$N")")
	read -r ps ps_got ps_lost ps_cpu ps_bpf < <(measure $mode $path "$N" "$OUT/ps.txt" \
		"procsnoop: tracing" "$PROCSNOOP" open)
	read -r fp fp_got fp_lost fp_cpu fp_bpf < <(measure $mode $path "$N" "$OUT/fp.txt" \
		"procsnoop: tracing" "$PROCSNOOP" open --full-path)
	read -r os os_got _ os_cpu os_bpf < <(measure $mode $path "$N_SLOW" "$OUT/os.txt" "PID" \
		/usr/sbin/opensnoop)
	awk -v mode="$mode" -v base="$base" -v n="$((4 * (N + 1000)))" -v ns="$((4 * (N_SLOW + 1000)))" \
	    -v psb="$ps_bpf" -v fpb="$fp_bpf" -v osb="$os_bpf" \
	    -v ps="$ps" -v psgot="$ps_got" -v pslost="$ps_lost" -v pscpu="$ps_cpu" \
	    -v fp="$fp" -v fpgot="$fp_got" -v fplost="$fp_lost" -v fpcpu="$fp_cpu" \
	    -v os="$os" -v osgot="$os_got" -v oscpu="$os_cpu" 'BEGIN {
		title = mode == "ok" ? "openat+close of an existing file" : "failing openat (ENOENT)"
		printf "%-34s ns/call  added ns  BPF ns  delivered/issued      lost  tracer CPU s per 1M events\n", title
		printf "%-34s %8.1f\n", "no tracer", base
		printf "%-34s %8.1f  %8.1f  %6.1f  %9d/%-9d  %6d  %.2f\n", "procsnoop open", ps, ps - base, psb, psgot, n, pslost, psgot ? pscpu * 1e6 / psgot : 0
		printf "%-34s %8.1f  %8.1f  %6.1f  %9d/%-9d  %6d  %.2f\n", "procsnoop open --full-path", fp, fp - base, fpb, fpgot, n, fplost, fpgot ? fpcpu * 1e6 / fpgot : 0
		printf "%-34s %8.1f  %8.1f  %6.1f  %9d/%-9d  %6d  %.2f\n", "libbpf-tools opensnoop", os, os - base, osb, osgot, ns, ns - osgot, osgot ? oscpu * 1e6 / osgot : 0
		if (os - base > 0)
			printf "procsnoop added cost / opensnoop added cost: %.3f (target <= 0.04)\n", (ps - base) / (os - base)
		printf "BPF run time, procsnoop / opensnoop: %.3f; --full-path / plain: %.2f\n", psb / osb, fpb / psb
		if (ps - base > 0)
			printf "--full-path added cost / plain added cost: %.2f (target <= 2)\n", (fp - base) / (ps - base)
		printf "\n"
	}'
done
