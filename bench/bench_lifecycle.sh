#!/usr/bin/env bash
# Start, stop and memory as a user sees them (bench/lifecycle.py, medians of $LIFECYCLE_RUNS):
# time to the "tracing" line (opensnoop: its header on a terminal), time from SIGINT to the
# exit, resident memory idle and its peak; then the same under a storm of kill, open and
# exec calls on both CPUs for $LIFECYCLE_STORM_S seconds. procsnoop (all four tracers),
# procsnoop open, and libbpf-tools' opensnoop, in one run.
source "$(dirname "$0")/lib.sh"
RUNS=${LIFECYCLE_RUNS:-5}
STORM_S=${LIFECYCLE_STORM_S:-60}
LC="python3 $ROOT/bench/lifecycle.py"
ensure_libbpf_tools
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
touch "$WORK/existing"
STORM="cd $WORK; for c in 0 1; do
	(while :; do $BENCH_BIN/sig_storm 200000 \$c; done) &
	(while :; do $BENCH_BIN/open_storm ok existing 100000 \$c; done) &
	(while :; do $BENCH_BIN/exec_storm 200 \$c; done) &
done; wait"

kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

row() { # NAME READY_TEXT CMD...: one idle and one storm line
	local name=$1 ready=$2 idle storm
	shift 2
	idle=$($LC --runs "$RUNS" --ready "$ready" -- "$@")
	storm=$($LC --runs 1 --trace-s "$STORM_S" --ready "$ready" --storm "$STORM" -- "$@")
	printf '%-22s %8s %8s %10s %10s %12s\n' "$name" "$(kv ready_s "$idle")" \
		"$(kv stop_s "$idle")" "$(kv rss_kib "$idle")" "$(kv peak_kib "$idle")" \
		"$(kv peak_kib "$storm")"
	[ "$name" = procsnoop ] && { echo "$idle" >"$WORK/idle"; echo "$storm" >"$WORK/storm"; }
	return 0
}

printf '%-22s %8s %8s %10s %10s %12s\n' command ready_s stop_s idle_KiB peak_KiB \
	"storm_KiB/${STORM_S}s"
row "procsnoop" "procsnoop: tracing" "$PROCSNOOP"
row "procsnoop open" "procsnoop: tracing" "$PROCSNOOP" open
row "opensnoop" "PID" /usr/sbin/opensnoop
idle=$(cat "$WORK/idle")
awk -v r="$(kv ready_s "$idle")" -v s="$(kv stop_s "$idle")" -v i="$(kv rss_kib "$idle")" \
    -v p="$(kv peak_kib "$(cat "$WORK/storm")")" 'BEGIN {
	ok = (r <= 0.15) + (s <= 0.2) + (i <= 12 * 1024) + (p <= 16 * 1024)
	printf "targets (all four tracers): ready %.3f s <= 0.15, stop %.3f s <= 0.2, idle %d KiB <= 12288, storm peak %d KiB <= 16384: %d of 4 met\n", r, s, i, p, ok
}'
