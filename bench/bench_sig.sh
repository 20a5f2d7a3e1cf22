#!/usr/bin/env bash
# kill(own pid, 0) storms pinned to CPU 0, the tracer on CPU 1: no tracer, procsnoop sig -k
# (table to a file), libbpf-tools sigsnoop -k (to a file), in one run.
#
# The wall time per call is the median of three storms with kernel.bpf_stats_enabled off:
# the statistics cost each program run two clock reads, which would count against the
# tracer with more programs. A fourth storm, with them on, gives BPF ns per call.
#
# procsnoop gets a 64 MiB ring buffer: at 2 million kills a second the table writer falls
# behind, and with the default 2 MiB part of the storm would be counted lost and not
# written, which costs the kernel less than delivering it. Every event is delivered here.
source "$(dirname "$0")/lib.sh"
N=${SIG_BENCH_CALLS:-1000000}
N_SLOW=${SIG_BENCH_CALLS_SLOW:-200000}
STORM=$BENCH_BIN/sig_storm
OUT=$(mktemp -d)
ensure_libbpf_tools

storm() { # N: prints ns per call
	"$STORM" "$1" 0 | awk '{ print $4 }'
}

median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

# Prints "ns delivered lost cpu_s bpf_ns" for N-call storms under CMD (output to OUTFILE).
measure() { # N OUTFILE READY GREP CMD...
	local n=$1 out=$2 ready=$3 pattern=$4 a b c cpu0 cpu1 got lost bns
	shift 4
	prog_stats >"$OUT/old"
	start_tracer "$out" "$ready" taskset -c 1 "$@" || return 1
	cpu0=$(cpu_seconds "$TRACER_PID")
	a=$(storm "$n")
	b=$(storm "$n")
	c=$(storm "$n")
	bpf_stats_on
	prog_stats >"$OUT/start"
	storm "$n" >/dev/null
	prog_stats >"$OUT/end"
	bpf_stats_restore
	sleep 0.5
	cpu1=$(cpu_seconds "$TRACER_PID")
	stop_tracer
	got=$(grep -c -- "$pattern" "$out" || true)
	lost=$(awk '$2 == "LOST" { s += $3 } END { print s + 0 }' "$out")
	bns=$(bpf_ns "$OUT/old" "$OUT/start" "$OUT/end" $((n + 1000)))
	echo "$(median3 "$a" "$b" "$c") $got $lost $(echo "$cpu1 - $cpu0" | bc -l) $bns"
}

trap 'rm -rf "$OUT"; [ -z "${BPF_STATS_WAS:-}" ] || bpf_stats_restore' EXIT
base=$(median3 "$(storm "$N")" "$(storm "$N")" "$(storm "$N")")
read -r ps ps_got ps_lost ps_cpu ps_bpf < <(measure "$N" "$OUT/ps.txt" "procsnoop: tracing" \
	' sig_storm ' "$PROCSNOOP" sig -k -b 64M)
read -r ss ss_got _ ss_cpu ss_bpf < <(measure "$N_SLOW" "$OUT/ss.txt" "TIME" 'sig_storm' \
	/usr/sbin/sigsnoop -k)

awk -v base="$base" -v ps="$ps" -v ss="$ss" -v n="$((4 * (N + 1000)))" \
    -v ns="$((4 * (N_SLOW + 1000)))" -v psgot="$ps_got" -v pslost="$ps_lost" \
    -v ssgot="$ss_got" -v pscpu="$ps_cpu" -v sscpu="$ss_cpu" -v psb="$ps_bpf" \
    -v ssb="$ss_bpf" 'BEGIN {
	printf "kill(pid, 0) storm                 ns/call  added ns  BPF ns  delivered/issued      lost  tracer CPU s per 1M events\n"
	printf "no tracer                         %8.1f\n", base
	printf "procsnoop sig -k -b 64M           %8.1f  %8.1f  %6.1f  %9d/%-9d  %6d  %.2f\n", ps, ps - base, psb, psgot, n, pslost, psgot ? pscpu * 1e6 / psgot : 0
	printf "libbpf-tools sigsnoop -k          %8.1f  %8.1f  %6.1f  %9d/%-9d  %6d  %.2f\n", ss, ss - base, ssb, ssgot, ns, ns - ssgot, ssgot ? sscpu * 1e6 / ssgot : 0
	if (ss - base > 0)
		printf "procsnoop added cost / sigsnoop added cost: %.3f (target <= 0.05)\n", (ps - base) / (ss - base)
	if (ssb > 0)
		printf "BPF run time, procsnoop / sigsnoop: %.3f\n", psb / ssb
}'
