#!/usr/bin/env bash
# Runs every benchmark (bench/bench_*.sh), or those whose name contains $BENCH.
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
status=0
for b in bench/bench_*.sh; do
	[ -n "${BENCH:-}" ] && [[ "$b" != *"$BENCH"* ]] && continue
	echo "=== $b"
	bash "$b" || status=1
done
exit $status
