#!/usr/bin/env bash
# Runs every benchmark (bench/bench_*.sh and bench_*.py), or those whose name contains $BENCH.
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
status=0
for b in bench/bench_*.sh bench/bench_*.py; do
	[ -n "${BENCH:-}" ] && [[ "$b" != *"$BENCH"* ]] && continue
	echo "=== $b"
	case "$b" in
	*.py) python3 "$b" || status=1 ;;
	*) bash "$b" || status=1 ;;
	esac
done
exit $status
