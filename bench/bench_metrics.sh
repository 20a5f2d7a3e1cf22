#!/usr/bin/env bash
# kill(own pid, 0) storm pinned to CPU 0, the tracer on CPU 1, three runs each (medians):
# no tracer; procsnoop sig -k with table output to a file; with no output at all (-q: what
# draining the ring buffer costs by itself); as a quiet exporter (-q --metrics).  Then
# scrapes of /metrics while a storm runs, timed by curl.
source "$(dirname "$0")/lib.sh"
N=${METRICS_BENCH_CALLS:-1000000}
SCRAPES=${METRICS_BENCH_SCRAPES:-30}
STORM=$BENCH_BIN/sig_storm
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"; [ -n "${TRACER_PID:-}" ] && kill "$TRACER_PID" 2>/dev/null; true' EXIT
command -v curl >/dev/null || "$ROOT/scripts/install-deps.sh" curl

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$port/metrics
# Only the storm's own signals: other processes on the machine send some too.
TRACE=(taskset -c 1 "$PROCSNOOP" sig -k --comm sig_storm)

storm() { # prints ns per call
	"$STORM" "$1" 0 | awk '{ print $4 }'
}
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
scrape_events() {
	curl -sf "$URL" | awk '$1 == "procsnoop_events_total{type=\"sig\"}" { print $2 }'
}

# One traced storm; prints "ns_per_call cpu_us_per_event delivered".
# Usage: traced_run table|quiet|metrics
traced_run() {
	local kind=$1 ns cpu0 cpu1 got
	case $kind in
	table) start_tracer "$OUT/out.txt" "procsnoop: tracing" "${TRACE[@]}" ;;
	quiet) start_tracer "$OUT/out.txt" "procsnoop: tracing" "${TRACE[@]}" -q ;;
	metrics) start_tracer "$OUT/out.txt" "procsnoop: tracing" "${TRACE[@]}" -q \
		--metrics "127.0.0.1:$port" ;;
	esac
	cpu0=$(cpu_seconds "$TRACER_PID")
	ns=$(storm "$N")
	sleep 0.3
	cpu1=$(cpu_seconds "$TRACER_PID")
	case $kind in
	table) got=$(grep -c ' sig_storm ' "$OUT/out.txt" || true) ;;
	quiet) got=$((N + 1000)) ;; # nothing to count it by: the others show nothing is lost
	metrics) got=$(scrape_events) ;;
	esac
	stop_tracer
	TRACER_PID=
	echo "$ns $(echo "($cpu1 - $cpu0) * 1000000 / $got" | bc -l) $got"
}

# Medians of three runs: "ns cpu_us min_delivered".
measure() {
	local a b c
	a=$(traced_run "$1") b=$(traced_run "$1") c=$(traced_run "$1")
	echo "$(median3 "${a%% *}" "${b%% *}" "${c%% *}")" \
		"$(median3 "$(cut -d' ' -f2 <<<"$a")" "$(cut -d' ' -f2 <<<"$b")" "$(cut -d' ' -f2 <<<"$c")")" \
		"$(printf '%s\n' "${a##* }" "${b##* }" "${c##* }" | sort -g | head -1)"
}

base=$(median3 "$(storm "$N")" "$(storm "$N")" "$(storm "$N")")
read -r t_ns t_cpu t_got <<<"$(measure table)"
read -r q_ns q_cpu _ <<<"$(measure quiet)"
read -r m_ns m_cpu m_got <<<"$(measure metrics)"

# Scrapes while a storm runs (the storm outlasts them).
start_tracer "$OUT/out.txt" "procsnoop: tracing" "${TRACE[@]}" -q --metrics "127.0.0.1:$port"
"$STORM" $((N * 10)) 0 >"$OUT/storm.txt" &
storm_pid=$!
sleep 0.2
for _ in $(seq 1 "$SCRAPES"); do
	curl -sf -o /dev/null -w '%{time_total}\n' "$URL" >>"$OUT/scrapes.txt" ||
		echo 9.999 >>"$OUT/scrapes.txt"
	sleep 0.05
done
kill -0 "$storm_pid" 2>/dev/null && under_storm=yes || under_storm="no (the storm ended first)"
wait "$storm_pid"
stop_tracer
TRACER_PID=

awk -v base="$base" -v n="$N" -v t="$t_ns" -v tcpu="$t_cpu" -v tgot="$t_got" \
    -v q="$q_ns" -v qcpu="$q_cpu" -v m="$m_ns" -v mcpu="$m_cpu" -v mgot="$m_got" 'BEGIN {
	printf "kill(pid, 0) storm, medians of 3       ns/call  added ns  delivered/issued     tracer CPU us/event\n"
	printf "no tracer                              %8.1f\n", base
	printf "procsnoop sig -k (table to file)       %8.1f  %8.1f  %9d/%-9d  %.3f\n", t, t - base, tgot, n + 1000, tcpu
	printf "procsnoop sig -k -q (no output)        %8.1f  %8.1f  %9s/%-9d  %.3f\n", q, q - base, "-", n + 1000, qcpu
	printf "procsnoop sig -k -q --metrics          %8.1f  %8.1f  %9d/%-9d  %.3f\n", m, m - base, mgot, n + 1000, mcpu
	printf "tracer CPU per event beyond no output: table %.3f us, metrics %.3f us\n", tcpu - qcpu, mcpu - qcpu
	printf "metrics / table, tracer CPU per event: %.2f (target <= 1)\n", mcpu / tcpu
}'
sort -g "$OUT/scrapes.txt" | awk -v n="$SCRAPES" -v under="$under_storm" '
	{ v[NR] = $1 }
	END {
		printf "scrapes of /metrics under the storm: %d (storm still running: %s), median %.1f ms, max %.1f ms (target < 100 ms)\n",
			n, under, v[int((NR + 1) / 2)] * 1000, v[NR] * 1000
		exit v[NR] < 0.1 ? 0 : 1
	}'
