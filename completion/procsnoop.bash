# bash completion for procsnoop(8)                              -*- shell-script -*-
#
# Commands, the options of each (tests/e2e/test_completion.py keeps them equal to --help),
# and the values of options: signal names for -s, users for -u and --user, running
# processes for -p, --ppid and --target, threads for --tid, cgroup directories for
# --cgroup, command names for --comm, the running processes' pid namespaces for --pidns, the
# names of podman's containers for --container; for `procsnoop run`, the program's files, its
# headers, the structs they define for --event-type, network interfaces for --ifname and
# --ifindex, and the program's own flags; after --,
# the command to run and its own arguments.

_procsnoop_commands="sig open exec exit run"
_procsnoop_tracers="sig open exec exit"

# Options of every tracer command (procsnoop --help); -? is left out: a glob, and --help.
_procsnoop_common="-p --pid --tid --ppid -u --uid --comm --cgroup --pidns --container --include-self -o --output
	--numeric --containers
	-d --duration -b --buffer-size -v --verbose --user -q --quiet --tree --metrics
	--metrics-labels --metrics-max-series --help --usage -V --version"
_procsnoop_sig="-s --signal --target -x --failed -k --kill --source"
_procsnoop_open="-c -F --full-path -n --name --prefix -t --write -x --failed
	-e --extended-fields -T --timestamp -U --print-uid"
_procsnoop_exec="-c --cgroup --failed -l --line --max-args -n --name -q --quote
	-t --timestamp -T --time -U --print-uid -x --fails"
_procsnoop_exit="-c --cgroup -t --timestamp -T --threaded -x --failed"
_procsnoop_run="-o --output -d --duration -i --interval --event-type --ifindex --ifname
	--tc-mode --freq --uprobe-target --uprobe-pid --build -O --object --btf -q --quiet
	-v --verbose --metrics --metrics-labels --metrics-max-series --help --usage
	-V --version"

# Options that take a value (the next word, or after '='), by command.
_procsnoop_valued_common="-p --pid --tid --ppid -u --uid --comm --cgroup --pidns --container -o --output
	-d --duration -b --buffer-size --user --metrics --metrics-labels --metrics-max-series"
_procsnoop_valued_sig="-s --signal --target --source"
_procsnoop_valued_open="-c -n --name --prefix -t"
_procsnoop_valued_exec="-c --cgroup -l --line --max-args -n --name"
_procsnoop_valued_exit="-c --cgroup"
_procsnoop_valued_run="-o --output -d --duration -i --interval --event-type --ifindex
	--ifname --tc-mode --freq --uprobe-target --uprobe-pid -O --object --btf --metrics
	--metrics-labels --metrics-max-series"

# The tracer a word names: itself, or the one tracer it is a prefix of (run is never shortened).
_procsnoop_command_of()
{
	local c found=
	for c in $_procsnoop_tracers; do
		[[ $c == "$1" ]] && { echo "$c"; return; }
		if [[ $c == "$1"* ]]; then
			[[ -n $found ]] && return
			found=$c
		fi
	done
	[[ -n $found ]] && echo "$found"
}

_procsnoop_in()
{
	local w
	for w in $2; do
		[[ $w == "$1" ]] && return 0
	done
	return 1
}

_procsnoop_pids()
{
	local p pids=()
	for p in /proc/[0-9]*; do
		pids+=("${p#/proc/}")
	done
	COMPREPLY=($(compgen -W "${pids[*]}" -- "$1"))
}

_procsnoop_tids()
{
	local t tids=()
	for t in /proc/[0-9]*/task/[0-9]*; do
		tids+=("${t##*/}")
	done
	COMPREPLY=($(compgen -W "${tids[*]}" -- "$1"))
}

_procsnoop_comms()
{
	local f comm
	local -A comms=()
	for f in /proc/[0-9]*/comm; do
		read -r comm 2>/dev/null <"$f" && [[ $comm != *[[:space:]]* ]] && comms[$comm]=1
	done
	COMPREPLY=($(compgen -W "${!comms[*]}" -- "$1"))
}

# One signal of a comma-separated list: the words before the last comma stay as typed.
_procsnoop_signals()
{
	local head= last=$1
	if [[ $1 == *,* ]]; then
		head=${1%,*},
		last=${1##*,}
	fi
	local names=$(compgen -A signal -X EXIT)
	# TERM or SIGTERM, as procsnoop takes both: the short forms once a name is begun.
	[[ -n $last && $last != S* ]] && names=${names//SIG/}
	[[ $last == S* && $last != SIG* ]] && names="$names ${names//SIG/}"
	COMPREPLY=($(compgen -P "$head" -W "$names" -- "$last"))
}

# An absolute directory, or one relative to the cgroup2 mount as procsnoop reads it.
_procsnoop_cgroups()
{
	local mnt d
	if [[ $1 == /* ]]; then
		COMPREPLY=($(compgen -d -- "$1"))
	else
		mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts 2>/dev/null)
		[[ -n $mnt ]] || return
		COMPREPLY=()
		while IFS= read -r d; do
			COMPREPLY+=("${d#"$mnt"/}")
		done < <(compgen -d -- "$mnt/$1")
	fi
	compopt -o filenames 2>/dev/null
}

# The inode numbers of the pid namespaces that running processes are in, or a path.
_procsnoop_pidns()
{
	local f l
	local -A seen=()
	if [[ $1 == /* ]]; then
		COMPREPLY=($(compgen -f -- "$1"))
		compopt -o filenames 2>/dev/null
		return
	fi
	for f in /proc/[0-9]*/ns/pid; do
		l=$(readlink "$f" 2>/dev/null) || continue
		l=${l#pid:[}
		seen[${l%]}]=1
	done
	COMPREPLY=($(compgen -W "${!seen[*]}" -- "$1"))
}

# The names of the containers podman lists (the caller's: root's under sudo).
_procsnoop_containers()
{
	type -P podman >/dev/null || return
	COMPREPLY=($(compgen -W "$(timeout 5 podman ps --format '{{.Names}}' 2>/dev/null)" -- "$1"))
}

# Files whose names end in one of the suffixes given, and directories to look into.
_procsnoop_files()
{
	local f cur=$1 s
	shift
	COMPREPLY=()
	while IFS= read -r f; do
		if [[ -d $f ]]; then
			COMPREPLY+=("$f")
			continue
		fi
		for s in "$@"; do
			[[ $f == *"$s" ]] && { COMPREPLY+=("$f"); break; }
		done
	done < <(compgen -f -- "$cur")
	compopt -o filenames 2>/dev/null
}

# The flags of the program being run: `procsnoop run PROG [HEADERS] --help` lists them (this
# compiles a C program, once: procsnoop caches it), with the --enable- or --disable- switch of
# each bool flag, and each bool flag has a --no- form too.
_procsnoop_run_flags()
{
	local prog=$1 line name bin
	shift
	bin=$(type -P procsnoop || echo /usr/sbin/procsnoop)
	[[ -r $prog ]] || return
	while IFS= read -r line; do
		[[ $line =~ ^\ +(-[A-Za-z0-9],\ )?(--[A-Za-z_][A-Za-z0-9_-]*)(\[=BOOL\])? ]] || continue
		name=${BASH_REMATCH[2]}
		echo "$name"
		[[ -n ${BASH_REMATCH[3]} ]] && echo "--no-${name#--}"
	done < <(timeout 20 "$bin" run "$prog" "$@" --help 2>/dev/null |
		sed -n '/^ Flags of /,/^$/p')
}

_procsnoop_run()
{
	local cur=$1 opt=$2 start=$3 i w prog= headers=() flags_only=
	for ((i = start; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == -- ]]; then
			flags_only=1
		elif [[ $w == = || ${COMP_WORDS[i+1]} == = ]]; then
			:
		elif [[ $w == -* ]]; then
			_procsnoop_in "$w" "$_procsnoop_valued_run" && ((i++))
		elif [[ -z $prog ]]; then
			prog=$w
		elif [[ $w == *.h ]]; then
			headers+=("$w")
		fi
	done
	if [[ -z $flags_only ]] && _procsnoop_in "$opt" "$_procsnoop_valued_run"; then
		case $opt in
		-o | --output) COMPREPLY=($(compgen -W "table json" -- "$cur")) ;;
		--tc-mode) COMPREPLY=($(compgen -W "auto tcx clsact" -- "$cur")) ;;
		-O | --object | --btf | --uprobe-target) COMPREPLY=($(compgen -f -- "$cur")) ;;
		--uprobe-pid) COMPREPLY=($(compgen -W "$(ls /proc | grep '^[0-9]')" -- "$cur")) ;;
		--ifname) COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")) ;;
		--ifindex)
			COMPREPLY=($(compgen -W "$(cat /sys/class/net/*/ifindex 2>/dev/null)" -- "$cur"))
			;;
		--event-type)
			[[ -r $prog ]] && COMPREPLY=($(compgen -W "$(sed -n \
				's/^[[:space:]]*struct[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]*{.*/\1/p' \
				"$prog" "${headers[@]}" 2>/dev/null)" -- "$cur"))
			;;
		esac
		return
	fi
	if [[ $cur == -* ]]; then
		local words=
		[[ -z $flags_only ]] && words=$_procsnoop_run
		[[ -n $prog && $cur == --* ]] && words="$words $(_procsnoop_run_flags "$prog" "${headers[@]}")"
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
	elif [[ -z $prog ]]; then
		_procsnoop_files "$cur" .bpf.c .bpf.o .c .o
	elif [[ -z $flags_only ]]; then
		_procsnoop_files "$cur" .h
	fi
}

_procsnoop()
{
	local cur=${COMP_WORDS[COMP_CWORD]} opt=${COMP_WORDS[COMP_CWORD-1]}
	local i w c cmds=() ncmds=0 first_opt=$COMP_CWORD

	# --name=value: bash splits the word at '=' (COMP_WORDBREAKS).
	if [[ $cur == = ]]; then
		cur=
	elif [[ $opt == = && $COMP_CWORD -ge 2 ]]; then
		opt=${COMP_WORDS[COMP_CWORD-2]}
	fi
	if [[ $COMP_CWORD -gt 1 && ${COMP_WORDS[1]} == run ]]; then
		_procsnoop_run "$cur" "$opt" 2
		return
	fi
	# -- CMD [ARGS...]: the command to run, completed as bash completes that command.
	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == -- ]] || continue
		if declare -F _command_offset >/dev/null; then
			_command_offset $((i + 1))
		elif ((i + 1 == COMP_CWORD)); then
			COMPREPLY=($(compgen -c -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
			compopt -o filenames 2>/dev/null
		fi
		return
	done
	# The commands come first, before any option.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == -* ]]; then
			first_opt=$i
			break
		fi
		c=$(_procsnoop_command_of "$w")
		[[ -n $c ]] && cmds+=("$c")
		((ncmds++))
	done

	local own= valued=$_procsnoop_valued_common
	if ((ncmds == 1)) && [[ -n ${cmds[0]} ]]; then
		own=$(eval "echo \$_procsnoop_${cmds[0]}")
		valued="$valued $(eval "echo \$_procsnoop_valued_${cmds[0]}")"
	fi
	if [[ $opt == -* ]] && _procsnoop_in "$opt" "$valued"; then
		case $opt in
		-p | --pid | --ppid | --target) _procsnoop_pids "$cur" ;;
		--tid) _procsnoop_tids "$cur" ;;
		-t) [[ ${cmds[0]} == open ]] && _procsnoop_tids "$cur" ;;
		-u | --uid | --user) COMPREPLY=($(compgen -u -- "$cur")) ;;
		-s | --signal) _procsnoop_signals "$cur" ;;
		--cgroup) _procsnoop_cgroups "$cur" ;;
		--pidns) _procsnoop_pidns "$cur" ;;
		--container) _procsnoop_containers "$cur" ;;
		-c)
			if [[ ${cmds[0]} == open ]]; then
				_procsnoop_comms "$cur"
			else
				_procsnoop_cgroups "$cur"
			fi
			;;
		--comm) _procsnoop_comms "$cur" ;;
		-o | --output) COMPREPLY=($(compgen -W "table json" -- "$cur")) ;;
		--source) COMPREPLY=($(compgen -W "syscall kernel all" -- "$cur")) ;;
		--prefix)
			COMPREPLY=($(compgen -f -- "$cur"))
			compopt -o filenames 2>/dev/null
			;;
		esac
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$_procsnoop_common $own" -- "$cur"))
	elif ((first_opt == COMP_CWORD)); then
		# Still naming commands: those not named yet; run only first and alone.
		local left=()
		for c in $_procsnoop_commands; do
			[[ $c == run && $ncmds -gt 0 ]] && continue
			_procsnoop_in "$c" "${cmds[*]}" || left+=("$c")
		done
		COMPREPLY=($(compgen -W "${left[*]}" -- "$cur"))
	fi
} &&
	complete -F _procsnoop procsnoop

# ex: filetype=sh
