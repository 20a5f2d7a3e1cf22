#!/usr/bin/env bash
# Runs CI (`bash .ci/run`) the way a brand-new machine would: in a chroot of a Debian 12
# minbase root (debootstrap --variant=minbase, plus git and make), on a clone of a committed
# revision, so that `make test` must install every package it needs itself.
#
#   tests/fresh-root.sh [options]
#     --ref REF        the commit to test (default HEAD of --src)
#     --src DIR        the repository to clone (default: the one this script is in)
#     --patch FILE     git-apply FILE on top of the clone (repeatable): test a change
#                      without committing it, and without the rest of the work tree
#     --tests NAMES    pass TESTS=NAMES to make test (run only these tests)
#     --debootstrap-sources
#                      keep the apt sources debootstrap wrote (the suite alone), instead of
#                      the suite, -updates and -security as an installed system has them
#     --keep           keep the root afterwards (unmounted) for inspection
#     --rebuild        make the cached pristine root again
#     --tail N         print the last N lines of the output (default 30)
#     -v               print the output as it comes, too
#
# The pristine root is made once and kept as a tarball in $FRESH_ROOT_CACHE (default
# /var/tmp/procsnoop-fresh-root); each run extracts it into a new directory there.  The
# mirror is the one this machine's apt uses for the suite, and so are the -updates and
# -security sources each run gives the root (as the installer or a container image would).
# Needs root.  Exits with .ci/run's status (125 when the root could not be set up).
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/debian-root.sh
. "$HERE/tests/debian-root.sh"
SRC=$HERE
REF=HEAD
PATCHES=()
TESTS_SEL=
KEEP=0
REBUILD=0
TAIL=30
VERBOSE=0
PLAIN_SOURCES=0

while [ $# -gt 0 ]; do
	case $1 in
	--ref) REF=$2; shift 2 ;;
	--src) SRC=$(cd "$2" && pwd); shift 2 ;;
	--patch) PATCHES+=("$(realpath "$2")"); shift 2 ;;
	--tests) TESTS_SEL=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--debootstrap-sources) PLAIN_SOURCES=1; shift ;;
	--rebuild) REBUILD=1; shift ;;
	--tail) TAIL=$2; shift 2 ;;
	-v) VERBOSE=1; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
for p in "${PATCHES[@]}"; do [ -r "$p" ] || die "cannot read patch $p"; done
SHARED=$(cd "$SRC/.." && pwd)/shared
[ -d "$SHARED" ] || die "no $SHARED (the tests read ../shared/seeds beside the repository)"
COMMIT=$(git -C "$SRC" rev-parse --verify "$REF^{commit}") || die "no commit $REF in $SRC"

root_pristine "$REBUILD"

root_new run
ROOT_HINT=" (chroot $ROOT /bin/bash; mount proc, sys, dev again to run tests)"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
LOG=$CACHE/logs/$STAMP.log

root_lay "$ROOT" "$PLAIN_SOURCES"
mkdir -p "$ROOT/work"
git clone -q --no-checkout "$SRC" "$ROOT/work/main"
git -C "$ROOT/work/main" checkout -q --detach "$COMMIT"
for p in "${PATCHES[@]}"; do
	git -C "$ROOT/work/main" apply --whitespace=nowarn "$p" || die "patch $p does not apply to $COMMIT"
	say "applied $p"
done
cp -a "$SHARED" "$ROOT/work/shared"
root_mount "$ROOT"

say "commit $(git -C "$SRC" log -1 --format='%h %s' "$COMMIT" | cut -c1-100)"
say "running CI=true bash .ci/run in $ROOT/work/main${TESTS_SEL:+ with TESTS=$TESTS_SEL}; log $LOG"
ENV=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root CI=true)
[ -n "$TESTS_SEL" ] && ENV+=("TESTS=$TESTS_SEL")
START=$(date +%s)
# Each line goes to the log, and with the second it arrived to LOG.times (for the phases).
# In the background, so that a signal to this script is handled at once (cleanup ends what
# runs in the root) rather than when .ci/run is over.
{
	rc=0
	chroot "$ROOT" /usr/bin/env -i "${ENV[@]}" /bin/sh -c 'cd /work/main && exec bash .ci/run' \
		</dev/null 2>&1 || rc=$?
	echo "$rc" >"$LOG.rc"
} | while IFS= read -r line || [ -n "$line" ]; do
	printf '%s\n' "$line" >>"$LOG"
	printf '%(%s)T %s\n' -1 "$line" >>"$LOG.times"
	[ "$VERBOSE" = 0 ] || printf '%s\n' "$line"
done &
wait $! || true
RC=$(cat "$LOG.rc" 2>/dev/null) || RC=125
END=$(date +%s)

echo "----- last $TAIL lines of .ci/run -----"
tail -n "$TAIL" "$LOG"
echo "-----"
# Phases: packages from "procsnoop: installing" to the first build step (a command, or its
# short line in a quiet build; apt prints only warnings when it succeeds); the tests from
# run.py's first result to the end.
if [ -s "$LOG.times" ]; then
	awk -v start="$START" -v end="$END" '
		{ t = $1; sub(/^[0-9]+ /, "") }
		inst0 && !inst1 && /^((bpftool|clang|cc|gcc) |  (GEN|BPF|CC|AR|LD) )/ { inst1 = t }
		/^procsnoop: installing/ && !inst0 { inst0 = t }
		/^(ok|FAIL) / && !tests { tests = t }
		END {
			if (inst0 && inst1) printf "fresh-root: packages %ds (installing begins %ds in)\n", inst1 - inst0, inst0 - start
			else if (inst0) printf "fresh-root: packages did not finish (%ds)\n", end - inst0
			else print "fresh-root: no packages installed"
			after = inst1 ? inst1 : start
			if (tests) printf "fresh-root: build %ds, tests %ds\n", tests - after, end - tests
			printf "fresh-root: make test after the packages %ds; .ci/run %ds in all\n", end - after, end - start
		}' "$LOG.times" >&2
fi
say ".ci/run exited $RC"
exit "$RC"
