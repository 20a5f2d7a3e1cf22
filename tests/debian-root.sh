# A Debian 12 minbase root for the tests that need a machine that has never seen procsnoop.
# Sourced (bash) by tests/fresh-root.sh, which runs CI in it, and tests/package-root.sh, which
# installs the .deb in it.
#
#   root_pristine [1]        the pristine root, made once with debootstrap and kept as a tarball
#                            in $FRESH_ROOT_CACHE (default /var/tmp/procsnoop-fresh-root);
#                            1 makes it again
#   root_lay DIR [1]         DIR gets a copy of it, with apt sources as an installed system has
#                            them (the suite, -updates, -security, on this machine's mirror;
#                            1 keeps debootstrap's) and this machine's resolv.conf
#   root_mount DIR           DIR becomes a mount point with proc, sys, dev, tracefs, debugfs
#                            and bpffs, as procsnoop needs them
#   release DIR              ends what still runs in DIR, unmounts everything under it
#   remove_root DIR          release, then delete
#   root_new NAME            ROOT becomes a new directory $CACHE/NAME.XXXXXX, removed when the
#                            script exits however it ends, or with KEEP=1 kept (unmounted) and
#                            said so, with $ROOT_HINT after it
#
# Messages start with "$ROOT_SAY:" (default fresh-root); die exits 125.  Needs root.

SUITE=bookworm
CACHE=${FRESH_ROOT_CACHE:-/var/tmp/procsnoop-fresh-root}
PRISTINE=$CACHE/$SUITE-minbase.tar
ROOT_SAY=${ROOT_SAY:-fresh-root}

die() { echo "$ROOT_SAY: $*" >&2; exit 125; }
say() { echo "$ROOT_SAY: $*" >&2; }

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

root_pristine() {
	mkdir -p "$CACHE/logs"
	if [ "${1:-0}" = 1 ] || [ ! -s "$PRISTINE" ]; then
		make_pristine
	else
		say "reusing $PRISTINE ($(cat "$PRISTINE.info" 2>/dev/null))"
	fi
}

root_lay() {
	local root=$1 plain=${2:-0}
	tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' -xpf "$PRISTINE"
	chmod 0755 "$root"  # mktemp made it 0700: nobody and _apt could reach nothing in the root
	if [ "$plain" = 0 ]; then
		host_sources >"$root/etc/apt/sources.list.d/debian.sources"
		if [ -s "$root/etc/apt/sources.list.d/debian.sources" ]; then
			rm -f "$root/etc/apt/sources.list"
		else
			rm -f "$root/etc/apt/sources.list.d/debian.sources"
			say "no $SUITE, -updates or -security sources here: the root keeps debootstrap's"
		fi
	fi
	say "apt sources of the root: $(cat "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '$1 == "deb" { s = s " " $3 } $1 == "Suites:" { $1 = ""; s = s $0 } END { print s }')"
	rm -f "$root/etc/resolv.conf"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf"
}

# The root is a mount point of its own, as on a real machine: unshare --propagation needs
# "/" to be one.
root_mount() {
	local root=$1
	mount --bind "$root" "$root"
	mount --make-rslave "$root"
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --make-rslave "$root/sys"
	mount --rbind /dev "$root/dev"
	mount --make-rslave "$root/dev"
	mountpoint -q "$root/sys/kernel/tracing" || mount -t tracefs tracefs "$root/sys/kernel/tracing"
	mountpoint -q "$root/sys/kernel/debug" || mount -t debugfs debugfs "$root/sys/kernel/debug"
	mountpoint -q "$root/sys/fs/bpf" || mount -t bpf bpf "$root/sys/fs/bpf"
}

root_cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ "${KEEP:-0}" = 1 ]; then
		release "$ROOT" || true
		say "kept the root in $ROOT$ROOT_HINT"
	else
		remove_root "$ROOT"
	fi
	exit "$rc"
}

root_new() {
	ROOT=$(mktemp -d "$CACHE/$1.XXXXXX")
	ROOT_HINT=
	trap root_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}
