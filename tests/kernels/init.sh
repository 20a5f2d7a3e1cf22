#!/bin/busybox sh
# /init of the kernel-matrix guest (tests/kernels/matrix.py boots it under qemu).
#
# For each check: procsnoop in the background, the actor once procsnoop says it traces,
# then SIGINT.  Nothing is judged here: the facts the actor prints, procsnoop's stdout,
# stderr and exit status go to the serial console, each framed by marker lines, and the
# host asserts.  Every wait is bounded, so a hung procsnoop costs one check, not the boot.

/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

PROCSNOOP=/opt/procsnoop
ACTOR=/opt/guest_actor
# tests/programs/seed000 and seed001, prebuilt by the Makefile.
SEED000=/opt/seed000.bpf.o
SEED001=/opt/seed001.bpf.o
# tests/programs/net: a tc and an xdp program, prebuilt (they take lo, interface 1).
NET_TC=/opt/tc.bpf.o
NET_XDP=/opt/xdp.bpf.o
IDS=/opt/ids.bpf.o
PROFILE=/opt/profile.bpf.o
METRICS_ADDR=127.0.0.1:9545
# Tenths of a second: loading every program under TCG takes a while on a slow host.
TRACING_TIMEOUT=900
STOP_TIMEOUT=300
MARK=@@procsnoop-kernels

say() { echo "$MARK $*"; }

# Prints a file between "begin CHECK PART" and "end CHECK PART BYTES"; the byte count lets
# the host notice a kernel message that landed inside the section.
frame() {
	say "begin $1 $2"
	bytes=0
	if [ -f "$3" ]; then
		cat "$3"
		# The end marker must start a line of its own.
		[ -n "$(tail -c 1 "$3")" ] && echo
		bytes=$(wc -c < "$3")
	fi
	say "end $1 $2 $bytes"
}

# A zombie still answers kill -0: ask /proc for the state.
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	read -r _ _ state _ < "/proc/$1/stat" 2>/dev/null || return 1
	[ "$state" != Z ]
}

# 0 once procsnoop said it traces, 1 if it exited first, 2 on timeout.
wait_tracing() {
	n=0
	while [ $n -lt $TRACING_TIMEOUT ]; do
		grep -q "procsnoop: tracing" "$2" && return 0
		alive "$1" || { grep -q "procsnoop: tracing" "$2" && return 0; return 1; }
		sleep 0.1
		n=$((n + 1))
	done
	return 2
}

# SIGINT, then the exit status (SIGKILL, noted in the notes file, if it will not stop).
stop() {
	kill -INT "$1" 2>/dev/null
	n=0
	while alive "$1" && [ $n -lt $STOP_TIMEOUT ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if alive "$1"; then
		echo "stop: no exit within $((STOP_TIMEOUT / 10)) s of SIGINT, killed" >> "$2"
		kill -KILL "$1"
	fi
}

# check NAME ACTOR_MODE PROCSNOOP_ARGS...: one run of procsnoop around one workload.
check() {
	name=$1 mode=$2
	shift 2
	d=/tmp/check-$name
	mkdir -p "$d"
	: > "$d/facts"
	: > "$d/notes"
	echo "args: $*" >> "$d/notes"
	"$PROCSNOOP" "$@" > "$d/out" 2> "$d/err" < /dev/null &
	pid=$!
	wait_tracing $pid "$d/err"
	case $? in
	0)
		[ -n "$BEFORE_ACTOR" ] && $BEFORE_ACTOR "$d"
		$ACTOR_IN "$ACTOR" "$mode" > "$d/facts" 2>> "$d/notes"
		echo "actor_status=$?" >> "$d/facts"
		# Events reach the output (and the counters) within 100 ms of the syscall.
		sleep 0.5
		alive $pid || echo "procsnoop exited before SIGINT" >> "$d/notes"
		if [ "$name" = metrics ]; then
			wget -q -O "$d/metrics" "http://$METRICS_ADDR/metrics" 2>> "$d/notes" ||
				echo "wget: exit $?" >> "$d/notes"
		fi
		stop $pid "$d/notes"
		;;
	1)
		echo "procsnoop exited before tracing" >> "$d/notes"
		;;
	*)
		echo "procsnoop did not say it traces within $((TRACING_TIMEOUT / 10)) s" >> "$d/notes"
		stop $pid "$d/notes"
		;;
	esac
	wait $pid
	echo $? > "$d/status"
	frame "$name" notes "$d/notes"
	frame "$name" facts "$d/facts"
	frame "$name" stdout "$d/out"
	frame "$name" stderr "$d/err"
	frame "$name" status "$d/status"
	[ "$name" = metrics ] && frame "$name" metrics "$d/metrics"
	say "done $name $(cut -d' ' -f1 /proc/uptime)"
}

# procsnoop runs the actor itself (-- CMD) with --tree, and ends when it ends.
check_command() {
	d=/tmp/check-command
	mkdir -p "$d"
	: > "$d/facts"
	: > "$d/notes"
	"$PROCSNOOP" -o json --tree -- sh -c \
		"$ACTOR all > $d/facts 2>> $d/notes; echo actor_status=\$? >> $d/facts" \
		> "$d/out" 2> "$d/err" < /dev/null &
	pid=$!
	n=0
	while alive $pid && [ $n -lt 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if alive $pid; then
		echo "no exit within 60 s of the start, killed" >> "$d/notes"
		kill -KILL $pid
	fi
	wait $pid
	echo $? > "$d/status"
	for part in notes facts stdout stderr status; do
		f=$part
		[ $part = stdout ] && f=out
		[ $part = stderr ] && f=err
		frame command $part "$d/$f"
	done
	say "done command $(cut -d' ' -f1 /proc/uptime)"
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# tracefs has its own mount point since 4.1; debugfs carries it at tracing/ too.
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null ||
	mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ip link set lo up
# Only emergencies on the console from here on: the sections must stay intact.
echo 1 > /proc/sys/kernel/printk

say "guest kernel=$(uname -r) uptime=$(cut -d' ' -f1 /proc/uptime)"

# The checks tests/kernels/checks.py asserts, by name.
check sig sig sig -o json
check open open open --full-path -o json
check exec exec exec -x -o json
check exit exit exit -o json
check stream all -o json
check metrics all -q --metrics "$METRICS_ADDR"
# --container by an id's start: a podman-like cgroup made once procsnoop traces (inotify
# reports it), the actor in a cgroup below it (an ancestor matches), and nothing outside it.
CONTAINER_ID=3f6d1e0b8c2a4f5e9d7c6b5a4938271605f4e3d2c1b0a9f8e7d6c5b4a3928170
CONTAINER_CGROUP=/sys/fs/cgroup/machine.slice/libpod-$CONTAINER_ID.scope
container_starts() {
	mkdir -p "$CONTAINER_CGROUP/sub"
	n=0
	while ! grep -q "started, matching --container" "$1/err" && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
}
in_container() {
	(echo 0 > "$CONTAINER_CGROUP/sub/cgroup.procs" && exec "$@")
}
BEFORE_ACTOR=container_starts ACTOR_IN=in_container
check container all --container 3f6d1e0b8c2a -o json
BEFORE_ACTOR= ACTOR_IN=
check run sig run "$SEED000" -o json
check run-seed001 sig run "$SEED001" -o json
check run-tc udp run "$NET_TC" --port 9999 --event-type packet -o json
check run-xdp udp run "$NET_XDP" --port 9999 --event-type frame -o json
# The records of a program compiled with the runner's prelude name the container their
# writer is in: the actor in the podman-like cgroup of the container check.
container_made() {
	mkdir -p "$CONTAINER_CGROUP/sub"
}
BEFORE_ACTOR=container_made ACTOR_IN=in_container
check run-ids sig run "$IDS" -o json
BEFORE_ACTOR= ACTOR_IN=
check run-profile spin run "$PROFILE" --freq 99 -o json
check_command

# Without kernel BTF procsnoop has to refuse, in one line.
if mount --bind /dev/null /sys/kernel/btf/vmlinux; then
	check nobtf sig sig -o json
	umount /sys/kernel/btf/vmlinux
else
	say "begin nobtf notes"
	echo "mount --bind /dev/null /sys/kernel/btf/vmlinux failed"
	say "end nobtf notes -1"
	say "done nobtf $(cut -d' ' -f1 /proc/uptime)"
fi

dmesg > /tmp/dmesg
frame kernel dmesg /tmp/dmesg
say "finished uptime=$(cut -d' ' -f1 /proc/uptime)"
poweroff -f
