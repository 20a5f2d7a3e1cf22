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

SUITE=bookworm
CACHE=${FRESH_ROOT_CACHE:-/var/tmp/procsnoop-fresh-root}
PRISTINE=$CACHE/$SUITE-minbase.tar
HERE=$(cd "$(dirname "$0")/.." && pwd)
SRC=$HERE
REF=HEAD
PATCHES=()
TESTS_SEL=
KEEP=0
REBUILD=0
TAIL=30
VERBOSE=0
PLAIN_SOURCES=0

die() { echo "fresh-root: $*" >&2; exit 125; }
say() { echo "fresh-root: $*" >&2; }

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

# The first URI this machine's apt configuration gives for $SUITE itself (deb822 .sources
# files and one-line .list files alike).
mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk -v suite="$SUITE" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") &&
				    tolower(enabled) != "no" && uris != "") { split(uris, u, " "); print u[1]; exit }
				types = suites = uris = enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			{ key = tolower($1); sub(/^[^:]*:[ \t]*/, ""); val = $0 }
			key == "types:" { types = val } key == "suites:" { suites = val }
			key == "uris:" { uris = val } key == "enabled:" { enabled = val }
			END { flush() }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
			awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2 }'
	done
}

# What a Debian installer leaves in a new system's apt sources: the suite, its -updates and
# its -security, here with the URIs this machine's apt uses for them.  Prints the deb822
# stanzas and one-line entries of this machine whose suites are all among those three.
host_sources() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk -v suite="$SUITE" '
			function flush(  n, i, s, ok) {
				ok = types ~ /(^| )deb( |$)/ && tolower(enabled) != "no" && suites != ""
				n = split(suites, s, " ")
				for (i = 1; i <= n; i++)
					if (s[i] != suite && s[i] != suite "-updates" && s[i] != suite "-security") ok = 0
				if (ok) printf "%s\n", stanza
				types = suites = enabled = stanza = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			{ stanza = stanza $0 "\n"; key = tolower($1); val = $0; sub(/^[^:]*:[ \t]*/, "", val) }
			key == "types:" { types = val } key == "suites:" { suites = val }
			key == "enabled:" { enabled = val }
			END { flush() }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		sed -e 's/#.*//' "$f" | awk -v suite="$SUITE" '
			{ line = $0; sub(/\[[^]]*\]/, "") }
			$1 == "deb" && ($3 == suite || $3 == suite "-updates" || $3 == suite "-security") {
				print "Types: deb"; print "URIs: " $2; print "Suites: " $3
				printf "Components:"; for (i = 4; i <= NF; i++) printf " %s", $i; print ""
				if (line ~ /signed-by=/) { sub(/.*signed-by=/, "", line); sub(/[] ].*/, "", line)
					print "Signed-By: " line }
				print "" }'
	done
}

# Every mount point at or under $1, deepest first.
mounts_under() {
	awk -v r="$1" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo |
		awk '{ print length($0), $0 }' | sort -rn | cut -d' ' -f2-
}

# Ends what still runs inside root $1 (what the run started), then unmounts everything
# under it; returns non-zero if something stays mounted.
release() {
	local root=$1 p pids m i
	for i in 1 2 3; do
		pids=
		for p in /proc/[0-9]*; do
			case $(readlink "$p/root" 2>/dev/null) in
			"$root"|"$root"/*) pids="$pids ${p#/proc/}" ;;
			esac
		done
		[ -n "$pids" ] || break
		if [ "$i" = 1 ]; then
			say "ending processes left in the root:$pids"
			kill -TERM $pids 2>/dev/null || true
		else
			kill -KILL $pids 2>/dev/null || true
		fi
		sleep 1
	done
	for i in 1 2 3; do
		for m in $(mounts_under "$root"); do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
		done
		[ -z "$(mounts_under "$root")" ] && return 0
		sleep 1
	done
	say "still mounted under $root: $(mounts_under "$root" | tr '\n' ' ')"
	return 1
}

remove_root() {
	if release "$1"; then
		rm -rf --one-file-system "$1"
	else
		say "left $1 in place because something is still mounted there"
	fi
}

make_pristine() {
	local uri start secs
	if ! command -v debootstrap >/dev/null; then
		say "installing debootstrap"
		apt-get update -qq >/dev/null || apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			debootstrap >/dev/null
	fi
	uri=$(mirror | head -n 1)
	[ -n "$uri" ] || die "no deb source for $SUITE in /etc/apt/sources.list{,.d/}"
	BUILD_DIR=$(mktemp -d "$CACHE/pristine.XXXXXX")
	trap 'remove_root "$BUILD_DIR"' EXIT
	say "debootstrap --variant=minbase --include=git,make $SUITE (mirror from apt's sources)"
	start=$(date +%s)
	debootstrap --variant=minbase --include=git,make "$SUITE" "$BUILD_DIR" "$uri" \
		>"$CACHE/debootstrap.log" 2>&1 || { tail -n 20 "$CACHE/debootstrap.log"; die "debootstrap failed"; }
	secs=$(( $(date +%s) - start ))
	release "$BUILD_DIR" || die "debootstrap left mounts in $BUILD_DIR"
	chroot "$BUILD_DIR" apt-get clean
	tar -C "$BUILD_DIR" --numeric-owner --xattrs --xattrs-include='*' -cpf "$PRISTINE.tmp" .
	mv "$PRISTINE.tmp" "$PRISTINE"
	echo "made $(date -u +%FT%TZ); debootstrap ${secs}s" >"$PRISTINE.info"
	remove_root "$BUILD_DIR"
	trap - EXIT
	say "debootstrap took ${secs}s; pristine root in $PRISTINE"
}

mkdir -p "$CACHE/logs"
if [ "$REBUILD" = 1 ] || [ ! -s "$PRISTINE" ]; then
	make_pristine
else
	say "reusing $PRISTINE ($(cat "$PRISTINE.info" 2>/dev/null))"
fi

ROOT=$(mktemp -d "$CACHE/run.XXXXXX")
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
LOG=$CACHE/logs/$STAMP.log
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ "$KEEP" = 1 ]; then
		release "$ROOT" || true
		say "kept the root in $ROOT (chroot $ROOT /bin/bash; mount proc, sys, dev again to run tests)"
	else
		remove_root "$ROOT"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

tar -C "$ROOT" --numeric-owner --xattrs --xattrs-include='*' -xpf "$PRISTINE"
chmod 0755 "$ROOT"  # mktemp made it 0700: nobody and _apt could reach nothing in the root
mkdir -p "$ROOT/work"
git clone -q --no-checkout "$SRC" "$ROOT/work/main"
git -C "$ROOT/work/main" checkout -q --detach "$COMMIT"
for p in "${PATCHES[@]}"; do
	git -C "$ROOT/work/main" apply --whitespace=nowarn "$p" || die "patch $p does not apply to $COMMIT"
	say "applied $p"
done
cp -a "$SHARED" "$ROOT/work/shared"
if [ "$PLAIN_SOURCES" = 0 ]; then
	host_sources >"$ROOT/etc/apt/sources.list.d/debian.sources"
	if [ -s "$ROOT/etc/apt/sources.list.d/debian.sources" ]; then
		rm -f "$ROOT/etc/apt/sources.list"
	else
		rm -f "$ROOT/etc/apt/sources.list.d/debian.sources"
		say "no $SUITE, -updates or -security sources here: the root keeps debootstrap's"
	fi
fi
say "apt sources of the root: $(cat "$ROOT"/etc/apt/sources.list "$ROOT"/etc/apt/sources.list.d/*.sources 2>/dev/null |
	awk '$1 == "deb" { s = s " " $3 } $1 == "Suites:" { $1 = ""; s = s $0 } END { print s }')"
rm -f "$ROOT/etc/resolv.conf"
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"

# The root is a mount point of its own, as on a real machine: unshare --propagation needs
# "/" to be one.
mount --bind "$ROOT" "$ROOT"
mount --make-rslave "$ROOT"
mount -t proc proc "$ROOT/proc"
mount --rbind /sys "$ROOT/sys"
mount --make-rslave "$ROOT/sys"
mount --rbind /dev "$ROOT/dev"
mount --make-rslave "$ROOT/dev"
mountpoint -q "$ROOT/sys/kernel/tracing" || mount -t tracefs tracefs "$ROOT/sys/kernel/tracing"
mountpoint -q "$ROOT/sys/kernel/debug" || mount -t debugfs debugfs "$ROOT/sys/kernel/debug"
mountpoint -q "$ROOT/sys/fs/bpf" || mount -t bpf bpf "$ROOT/sys/fs/bpf"

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
