#!/bin/sh
# Installs the Debian packages procsnoop needs to build, test and benchmark,
# but only those that are missing: make deps, and make run, test, bench, soak
# and fuzz before they build.  With --check (a plain make) it installs
# nothing: it names what is missing and fails.
set -eu
check=false
if [ "${1:-}" = --check ]; then
	check=true
	shift
	# Not Debian: nothing to ask, the build itself will say what it lacks.
	command -v dpkg-query >/dev/null 2>&1 || exit 0
fi
missing=""
for pkg in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $pkg"
	fi
done
[ -z "$missing" ] && exit 0
if $check; then
	echo "procsnoop: missing packages:$missing; run 'make deps' as root" \
		"(or apt-get install$missing)" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "procsnoop: missing packages:$missing (run as root, or install them)" >&2
	exit 1
fi
echo "procsnoop: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Package lists are empty on a fresh machine until the first update.
apt-get update -qq >/dev/null || apt-get update
apt-get install -y -qq --no-install-recommends $missing >/dev/null || \
	apt-get install -y --no-install-recommends $missing
