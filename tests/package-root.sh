#!/usr/bin/env bash
# Installs procsnoop's .deb on a machine that has never seen the project: a new copy of the
# cached Debian 12 minbase root (tests/debian-root.sh), with `apt-get install ./procsnoop_*.deb`
# (which brings what its Depends name), plus man-db to read the man page.  Then, in that root:
# procsnoop --version, man -w procsnoop and procsnoop-run, the completion files, and a 2-second
# `procsnoop exec` that must see an exec the test makes.  `make test-package` runs it.
#
#   tests/package-root.sh [--keep] [--rebuild] DEB
#     --keep       keep the root afterwards (unmounted)
#     --rebuild    make the cached pristine root again
#
# Needs root.  Exits 0 when every check passed, 1 when one failed, 125 when the root could
# not be set up.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
ROOT_SAY=package-root
# shellcheck source=tests/debian-root.sh
. "$HERE/tests/debian-root.sh"
KEEP=0
REBUILD=0
DEB=

while [ $# -gt 0 ]; do
	case $1 in
	--keep) KEEP=1; shift ;;
	--rebuild) REBUILD=1; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown argument $1 (see --help)" ;;
	*) DEB=$1; shift ;;
	esac
done
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
[ -n "$DEB" ] && [ -r "$DEB" ] || die "no package to install (tests/package-root.sh DEB)"

root_pristine "$REBUILD"
root_new package

root_lay "$ROOT"
root_mount "$ROOT"
cp "$DEB" "$ROOT/tmp/"
ENV=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
	DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8)
in_root() { chroot "$ROOT" /usr/bin/env -i "${ENV[@]}" "$@"; }

FAILED=0
check() {
	local what=$1
	shift
	echo "--- $what"
	if "$@"; then
		echo "--- ok: $what"
	else
		echo "--- FAILED: $what"
		FAILED=1
	fi
}

install_package() {
	in_root apt-get update -qq &&
		in_root apt-get install -y -q --no-install-recommends "./tmp/${DEB##*/}" man-db \
			>"$ROOT/tmp/apt.log" 2>&1 ||
		{ tail -n 30 "$ROOT/tmp/apt.log"; return 1; }
	grep '^Setting up' "$ROOT/tmp/apt.log" | sed 's/^/    /'
	in_root dpkg-query -W -f='    installed ${Package} ${Version}; Depends: ${Depends}; Recommends: ${Recommends}\n' procsnoop
}

show_version() {
	in_root procsnoop --version
}

find_man_pages() {
	in_root man -w procsnoop && in_root man -w procsnoop-run &&
		in_root man -P cat procsnoop 2>/dev/null | grep -q 'watch processes send signals'
}

list_files() {
	local f ok=0
	for f in /usr/sbin/procsnoop /usr/share/man/man8/procsnoop.8.gz \
		/usr/share/man/man8/procsnoop-run.8.gz /usr/share/bash-completion/completions/procsnoop \
		/usr/share/zsh/vendor-completions/_procsnoop /lib/systemd/system/procsnoop.service \
		/usr/share/procsnoop/grafana-dashboard.json /usr/share/doc/procsnoop/copyright; do
		if [ -e "$ROOT$f" ]; then echo "    $f"; else echo "    missing: $f"; ok=1; fi
	done
	grep -q '^ExecStart=/usr/sbin/procsnoop ' "$ROOT/lib/systemd/system/procsnoop.service" ||
		{ echo "    the unit does not run /usr/sbin/procsnoop"; ok=1; }
	return $ok
}

# A 2-second trace that must see the exec this makes once it is attached.
trace_an_exec() {
	local marker=procsnoop-package-check-$$ i
	in_root procsnoop exec -d 2 >"$ROOT/tmp/exec.out" 2>"$ROOT/tmp/exec.err" &
	local pid=$!
	for i in $(seq 100); do
		grep -q 'procsnoop: tracing' "$ROOT/tmp/exec.err" 2>/dev/null && break
		sleep 0.05
	done
	in_root /bin/echo "$marker" >/dev/null
	wait "$pid" || { cat "$ROOT/tmp/exec.err"; return 1; }
	sed 's/^/    /' "$ROOT/tmp/exec.err"
	head -n 1 "$ROOT/tmp/exec.out" | sed 's/^/    /'
	grep "$marker" "$ROOT/tmp/exec.out" | sed 's/^/    /'
	# The row of echo itself (the chroot and env before it carry the marker too).
	grep -Eq "^echo +[0-9]+ +[0-9]+ +0 +/bin/echo $marker\$" "$ROOT/tmp/exec.out"
}

check "apt-get install ./${DEB##*/} (and man-db)" install_package
check "procsnoop --version" show_version
check "man -w procsnoop procsnoop-run" find_man_pages
check "the package's files" list_files
check "procsnoop exec -d 2 sees /bin/echo" trace_an_exec
if [ "$FAILED" = 0 ]; then
	say "the package installs and runs in a fresh $SUITE root"
else
	say "FAILED"
fi
exit "$FAILED"
