#!/usr/bin/env bash
# What the identity fields of JSON events cost in BPF run time: ns_pid, ns_tid, pidns,
# mntns, exec_id and parent_exec_id, which the kernel half reads only when an output shows
# them.  An openat storm pinned to CPU 0 under procsnoop open on CPU 1, as a table and as
# JSON (to /dev/null), in this pid namespace and in a new one (unshare --pid --fork), with
# kernel.bpf_stats_enabled on.  The table has its TIME column (-T), so that both read the
# clock, which the default table does not.  The difference is what the fields cost an event.
source "$(dirname "$0")/lib.sh"
N=${IDENTITY_BENCH_CALLS:-1000000}
STORM=$BENCH_BIN/open_storm
OUT=$(mktemp -d)
touch "$OUT/existing"
cd "$OUT"

trap 'rm -rf "$OUT"; [ -z "${BPF_STATS_WAS:-}" ] || bpf_stats_restore' EXIT

# Prints "bpf_ns lost" for one storm. Usage: measure NS_WRAPPER|- PROCSNOOP_ARGS...
measure() {
	local wrap=$1 lost
	shift
	prog_stats >"$OUT/old"
	# start_tracer keeps stderr to itself: the summary's loss count is wanted here.  The
	# last run's file goes first, or its "tracing" line could start this storm too early.
	rm -f "$OUT/err"
	taskset -c 1 "$PROCSNOOP" open -b 64M "$@" >/dev/null 2>"$OUT/err" &
	TRACER_PID=$!
	for _ in $(seq 1 300); do
		grep -q "procsnoop: tracing" "$OUT/err" && break
		kill -0 "$TRACER_PID" 2>/dev/null || { cat "$OUT/err" >&2; return 1; }
		sleep 0.1
	done
	bpf_stats_on
	prog_stats >"$OUT/start"
	if [ "$wrap" = - ]; then
		taskset -c 0 "$STORM" ok existing "$N" 0 >/dev/null
	else
		taskset -c 0 unshare --pid --fork "$STORM" ok existing "$N" 0 >/dev/null
	fi
	prog_stats >"$OUT/end"
	bpf_stats_restore
	stop_tracer
	lost=$(sed -n 's/^procsnoop: [0-9]* events, \([0-9]*\) lost.*/\1/p' "$OUT/err")
	echo "$(bpf_ns "$OUT/old" "$OUT/start" "$OUT/end" $((N + 1000))) ${lost:-?}"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Rounds of a table storm then a JSON one: the host's drift moves both alike, so the added
# cost is the median of each round's difference.
ROUNDS=${IDENTITY_BENCH_ROUNDS:-5}
printf "%-26s %8s %8s %8s  %s\n" "openat+close, BPF ns/call" "table -T" json added "lost (table/json)"
for where in host nested; do
	wrap=-
	[ "$where" = nested ] && wrap=unshare
	tt=() jj=() dd=() tl=0 jl=0
	for _ in $(seq 1 "$ROUNDS"); do
		read -r t l < <(measure $wrap -T)
		tt+=("$t") tl=$((tl + l))
		read -r j l < <(measure $wrap -o json)
		jj+=("$j") jl=$((jl + l))
		dd+=("$(echo "$j - $t" | bc -l)")
	done
	t=$(median "${tt[@]}") j=$(median "${jj[@]}") d=$(median "${dd[@]}")
	label="this pid namespace"
	[ "$where" = nested ] && label="a new pid namespace"
	awk -v l="$label" -v t="$t" -v j="$j" -v d="$d" -v tl="$tl" -v jl="$jl" 'BEGIN {
		printf "%-26s %8.1f %8.1f %8.1f  %d/%d\n", l, t, j, d, tl, jl
	}'
	echo "$d" >>"$OUT/added"
done
awk '{ if ($1 > m) m = $1 } END {
	printf "identity fields in JSON, the larger added cost: %.1f ns per event (target <= 100)\n", m
}' "$OUT/added"
