#compdef procsnoop
# zsh completion for procsnoop(8), installed as _procsnoop.
#
# Commands, the options of each (tests/e2e/test_completion.py keeps them equal to --help),
# and the values of options: signals for -s, users for -u and --user, processes for -p,
# --ppid and --target, threads for --tid, cgroup directories, command names, pid namespaces,
# podman's containers for --container; for `procsnoop run`, the program's files, its headers and
# its own flags; after --, the command to run.

_procsnoop_tids() {
	local -a tids
	tids=(/proc/[0-9]*/task/[0-9]*(N:t))
	_wanted threads expl 'thread id' compadd -a tids
}

_procsnoop_comms() {
	local -a comms
	local f c
	for f in /proc/[0-9]*/comm(N); do
		c=$(<$f) 2>/dev/null && [[ $c != *[[:space:]]* ]] && comms+=($c)
	done
	_wanted commands expl 'command name' compadd -a -- ${(u)comms}
}

# Absolute, or relative to the cgroup2 mount as procsnoop reads it.
_procsnoop_cgroups() {
	local mnt
	if [[ $PREFIX == /* ]]; then
		_path_files -/
	else
		mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts 2>/dev/null)
		[[ -n $mnt ]] && _path_files -W $mnt -/
	fi
}

# The inode numbers of the pid namespaces running processes are in; or a path.
_procsnoop_pidns() {
	local -a nss
	local f l
	if [[ $PREFIX == /* ]]; then
		_files
		return
	fi
	for f in /proc/[0-9]*/ns/pid(N); do
		l=$(readlink $f 2>/dev/null) && nss+=(${${l#pid:\[}%\]})
	done
	_wanted namespaces expl 'pid namespace inode' compadd -a -- ${(u)nss}
}

# The names of the containers podman lists (the caller's: root's under sudo).
_procsnoop_containers() {
	local -a names
	(( $+commands[podman] )) || return 1
	names=(${(f)"$(timeout 5 podman ps --format '{{.Names}}' 2>/dev/null)"})
	_wanted containers expl 'container name' compadd -a -- names
}

_procsnoop_signals() {
	local -a sigs
	sigs=(${signals[2,-1]:#(ZERR|DEBUG|EXIT)})
	_sequence -s , compadd - $sigs SIG$^sigs
}

# Options every tracer takes; $1 is yes when -q means --quiet (not under exec).
_procsnoop_common() {
	reply=(
		'(-p --pid)'{-p+,--pid=}'[only events of this process]:process ID:_pids'
		'--tid=[only events of this thread]:thread ID:_procsnoop_tids'
		'--ppid=[only events of children of this process]:parent process ID:_pids'
		'(-u --uid)'{-u+,--uid=}'[only events of this user]:user:_users'
		'--comm=[only this command name, exactly]:command name:_procsnoop_comms'
		'--cgroup=[only this cgroup v2 or below it]:cgroup:_procsnoop_cgroups'
		'--pidns=[only tasks in this pid namespace]:pid namespace:_procsnoop_pidns'
		'*--container=[only events in this container]:container (id or name):_procsnoop_containers'
		'--include-self[also the events of procsnoop itself]'
		'(-o --output)'{-o+,--output=}'[output format]:format:(table json)'
		'--numeric[signals as numbers in the table]'
		'--containers[a CONTAINER column in the table]'
		'(-d --duration)'{-d+,--duration=}'[stop after this long]:seconds'
		'(-b --buffer-size)'{-b+,--buffer-size=}'[ring buffer size]:bytes (power of two, K or M)'
		'*'{-v,--verbose}'[libbpf messages; twice, its debug output]'
		'--user=[once attached, run as this user]:user:_users'
		'--metrics=[serve Prometheus metrics]:[address\:]port'
		'--metrics-labels=[also label counters by these fields]:fields (comma-separated)'
		'--metrics-max-series=[at most N label sets]:number of series'
		'--tree[with -- CMD, its process tree at the end]'
		'(- *)'{-\?,--help}'[show the options]'
		'(- *)--usage[show a short usage message]'
		'(- *)'{-V,--version}'[show the version and the kernel features]'
	)
	if [[ $1 == yes ]]; then
		reply+=('(-q --quiet)'{-q,--quiet}'[no event output]')
	else
		reply+=('--quiet[no event output]')
	fi
}

_procsnoop_sig_opts=(
	'*'{-s+,--signal=}'[only these signals]:signal:_procsnoop_signals'
	'--target=[only signals sent to this process or thread]:process ID:_pids'
	'(-x --failed)'{-x,--failed}'[only failed sends and undelivered signals]'
	'(-k --kill --source)'{-k,--kill}'[only signals sent by syscalls]'
	'(-k --kill)--source=[which signals]:source:(syscall kernel all)'
)
_procsnoop_open_opts=(
	'-c+[only this command name, exactly]:command name:_procsnoop_comms'
	'(-F --full-path)'{-F,--full-path}'[resolve relative paths in the kernel]'
	'(-n --name)'{-n+,--name=}'[only command names containing this]:name'
	'--prefix=[only paths that start with this]:path:_files'
	'-t+[only this thread]:thread ID:_procsnoop_tids'
	'--write[only opens for writing or creating]'
	'(-x --failed)'{-x,--failed}'[only failed opens]'
	'(-e --extended-fields)'{-e,--extended-fields}'[show syscall, flags, mode, resolve flags]'
	'(-T --timestamp)'{-T,--timestamp}'[show the time]'
	'(-U --print-uid)'{-U,--print-uid}'[show the user id]'
)
_procsnoop_exec_opts=(
	'(-c --cgroup)'{-c+,--cgroup=}'[only processes in this cgroup v2]:cgroup:_procsnoop_cgroups'
	'--failed[only failed execs]'
	'(-l --line)'{-l+,--line=}'[only execs with an argument containing this]:text'
	'--max-args=[show at most N arguments]:number (at most 1024)'
	'(-n --name)'{-n+,--name=}'[only commands whose new name contains this]:name'
	'(-q --quote)'{-q,--quote}'[quote each argument]'
	'(-t --timestamp)'{-t,--timestamp}'[seconds since procsnoop started]'
	'(-T --time)'{-T,--time}'[a time column]'
	'(-U --print-uid)'{-U,--print-uid}'[a UID column]'
	'(-x --fails)'{-x,--fails}'[include failed execs]'
)
_procsnoop_exit_opts=(
	'(-c --cgroup)'{-c+,--cgroup=}'[only processes in this cgroup v2]:cgroup:_procsnoop_cgroups'
	'(-t --timestamp)'{-t,--timestamp}'[a time column]'
	'(-T --threaded)'{-T,--threaded}'[every thread exit]'
	'(-x --failed)'{-x,--failed}'[only error exits]'
)
_procsnoop_run_opts=(
	'(-o --output)'{-o+,--output=}'[output format]:format:(table json)'
	'(-d --duration)'{-d+,--duration=}'[stop after this long]:seconds'
	'(-i --interval)'{-i+,--interval=}'[print the sampled maps this often, not at their @sample interval]:seconds'
	'--event-type=[the struct of the events]:struct name'
	'(--ifname)--ifindex=[attach tc and xdp programs to this interface index]:interface index:($(cat /sys/class/net/*/ifindex 2>/dev/null))'
	'(--ifindex)--ifname=[attach tc and xdp programs to this interface]:interface:_net_interfaces'
	'--tc-mode=[how tc programs attach]:mode:(auto tcx clsact)'
	'--freq=[samples a second of perf_event programs]:hz'
	'--uprobe-target=[the binary of uprobes whose section names none]:binary:_files'
	'--uprobe-pid=[uprobes only in this process]:process:_pids'
	'--build[write one object that runs without clang, and stop]'
	'(-O --object)'{-O+,--object=}'[the object --build writes]:object file:_files -g "*.o"'
	'--btf=[the kernel types from this BTF file]:BTF file:_files'
	'(-q --quiet)'{-q,--quiet}'[no event output]'
	'*'{-v,--verbose}'[clang warnings and libbpf output; twice, libbpf debug]'
	'--metrics=[serve Prometheus metrics]:[address\:]port'
	'--metrics-labels=[also label the counter by these fields]:fields (comma-separated)'
	'--metrics-max-series=[at most N label sets]:number of series'
	'(- *)'{-\?,--help}'[show the options and the program flags]'
	'(- *)--usage[show a short usage message]'
	'(- *)'{-V,--version}'[show the version and the kernel features]'
)

# The program's flags, from `procsnoop run PROG --help` (a C program is compiled once, then
# cached by procsnoop), the --enable- or --disable- switches of bools among them; each bool
# flag also has a --no- form.
_procsnoop_run_flags() {
	local prog=$1 line
	local -a flags
	[[ -r $prog ]] || return 1
	for line in ${(f)"$(timeout 20 procsnoop run $prog --help 2>/dev/null |
		sed -n '/^ Flags of /,/^$/p')"}; do
		if [[ $line == (#b)\ ##(-[A-Za-z0-9],\ |)(--[A-Za-z_][A-Za-z0-9_-]#)(\[=BOOL\]|=*|)\ #* ]]; then
			flags+=($match[2])
			[[ $match[3] == '[=BOOL]' ]] && flags+=(--no-${match[2]#--})
		fi
	done
	(( $#flags )) && _wanted flags expl 'program flag' compadd -a flags
}

_procsnoop_run() {
	local prog i
	for (( i = 3; i < CURRENT; i++ )); do
		[[ $words[i] == -* ]] && continue
		[[ $words[i-1] == (-o|-d|-i|-O|--output|--duration|--interval|--event-type|--ifindex|--ifname|--tc-mode|--object|--btf|--freq|--uprobe-target|--uprobe-pid|--metrics|--metrics-labels|--metrics-max-series) ]] && continue
		prog=$words[i]
		break
	done
	if [[ -n $prog && $PREFIX == --* ]]; then
		_procsnoop_run_flags $prog && return
	fi
	words=(procsnoop ${words[3,-1]})
	(( CURRENT-- ))
	_arguments -s -S : $_procsnoop_run_opts \
		'1:BPF program:_files -g "*.(c|o)(-.)"' \
		'*:header:_files -g "*.h(-.)"'
}

_procsnoop() {
	local i w ncmds=0
	local -a cmds reply all
	if [[ $words[2] == run ]] && (( CURRENT > 2 )); then
		_procsnoop_run
		return
	fi
	for (( i = 2; i < CURRENT; i++ )); do
		w=$words[i]
		[[ $w == -* ]] && break
		cmds+=($w)
	done
	if (( i == CURRENT )) && [[ $PREFIX != -* ]]; then
		all=(
			'sig:signals sent by syscalls and raised by the kernel'
			'open:files opened by open, openat, openat2 and creat'
			'exec:execve and execveat: filename, arguments, result'
			'exit:process exits: code or signal, core dump, age'
			'run:compile and run a single-file libbpf program'
		)
		for w in $cmds; do
			all=(${all:#$w:*})
		done
		(( $#cmds )) && all=(${all:#run:*})
		_describe -t commands 'procsnoop command' all
		return
	fi
	local own=
	if (( $#cmds == 1 )); then
		for w in sig open exec exit; do
			[[ $w == $cmds[1]* ]] && own=${own:+ambiguous}$w
		done
		[[ $own == ambiguous* ]] && own=
	fi
	if [[ $own == exec ]]; then
		_procsnoop_common no
	else
		_procsnoop_common yes
	fi
	[[ -n $own ]] && reply+=(${(P)${:-_procsnoop_${own}_opts}})
	if (( i > 2 )); then
		words=($words[1] ${words[i,-1]})
		(( CURRENT -= i - 2 ))
	fi
	# -S: after --, the command to run and its arguments, completed as that command's.
	_arguments -s -S : $reply '*::command to run:_normal'
}

_procsnoop "$@"
