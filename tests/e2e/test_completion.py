"""Shell completion: completion/procsnoop.bash run by a real bash (COMP_WORDS, COMP_CWORD,
_procsnoop, COMPREPLY), completion/procsnoop.zsh typed into a real interactive zsh, and the
options both offer compared with --help of each command."""
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import threading

from cli_docs import COMMANDS, help_options
from harness import BUILD, ROOT

BASH = os.path.join(ROOT, "completion", "procsnoop.bash")
ZSH = os.path.join(ROOT, "completion", "procsnoop.zsh")
FEATURES = os.path.join(ROOT, "tests", "programs", "features", "features.bpf.c")
ANNOTATIONS = os.path.join(ROOT, "tests", "programs", "annotations", "annotations.bpf.c")
ENV = dict(os.environ, PATH=BUILD + ":" + os.environ.get("PATH", "/usr/bin:/bin"))


def bash_complete(*words, cwd=ROOT, env=ENV):
    """COMPREPLY for the command line WORDS, the last being the word under the cursor."""
    script = (f"source {shlex.quote(BASH)}\n"
              f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
              f"COMP_CWORD={len(words) - 1}\n"
              f"COMP_LINE={shlex.quote(' '.join(words))}\n"
              "_procsnoop\n"
              "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True,
                       text=True, cwd=cwd, env=env, timeout=120)
    assert p.returncode == 0 and p.stderr == "", (words, p.returncode, p.stderr)
    return [l for l in p.stdout.splitlines() if l]


def names(options):
    return sorted(n for n, _ in options if n != "-?")


def test_bash_completion_is_registered():
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c",
                        f"source {shlex.quote(BASH)}; complete -p procsnoop"],
                       capture_output=True, text=True, check=True)
    assert p.stdout.strip() == "complete -F _procsnoop procsnoop", p.stdout


def test_bash_completion_options_match_help():
    for command in COMMANDS:
        words = ["procsnoop"] + ([command] if command else []) + ["-"]
        offered = sorted(set(bash_complete(*words)))
        assert offered == names(help_options(command)), (command, offered)
    # Several tracers: only the options every tracer takes.
    assert sorted(bash_complete("procsnoop", "sig", "exec", "-")) == names(help_options(None))
    assert bash_complete("procsnoop", "exec", "--ma") == ["--max-args"]


def test_bash_completion_command_to_run():
    """After --: the command to run, then its own arguments (files, here)."""
    assert set(bash_complete("procsnoop", "exec", "--tree", "--", "unshar")) == {"unshare"}
    assert bash_complete("procsnoop", "--", "ls", "/etc/hostnam") == ["/etc/hostname"]
    assert "--tree" in bash_complete("procsnoop", "exec", "--tr")


def test_bash_completion_commands():
    assert sorted(bash_complete("procsnoop", "")) == ["exec", "exit", "open", "run", "sig"]
    assert sorted(bash_complete("procsnoop", "e")) == ["exec", "exit"]
    # Once a tracer is named: the other tracers, never run.
    assert sorted(bash_complete("procsnoop", "exec", "")) == ["exit", "open", "sig"]
    assert sorted(bash_complete("procsnoop", "o", "")) == ["exec", "exit", "sig"]  # a prefix
    # After an option, no command.
    assert bash_complete("procsnoop", "-x", "") == []


def test_bash_completion_values():
    assert bash_complete("procsnoop", "sig", "-s", "SIGTE") == ["SIGTERM"]
    assert bash_complete("procsnoop", "sig", "--signal", "TE") == ["TERM"]
    assert bash_complete("procsnoop", "sig", "-s", "SIGINT,SIGUS") == ["SIGINT,SIGUSR1",
                                                                       "SIGINT,SIGUSR2"]
    assert "SIGRTMIN+1" in bash_complete("procsnoop", "sig", "-s", "SIGRT")
    assert bash_complete("procsnoop", "sig", "--source", "k") == ["kernel"]
    assert "root" in bash_complete("procsnoop", "-u", "ro")
    assert "nobody" in bash_complete("procsnoop", "exec", "--user", "nob")
    assert sorted(bash_complete("procsnoop", "-o", "")) == ["json", "table"]
    assert bash_complete("procsnoop", "--output", "=", "j") == ["json"]


def test_bash_completion_processes():
    """Running pids for -p and --ppid, thread ids for --tid, command names for --comm."""
    tmp = tempfile.mkdtemp()
    sleeper = os.path.join(tmp, "pscompl-zz")
    shutil.copy("/bin/sleep", sleeper)
    child = subprocess.Popen([sleeper, "30"])
    ready = threading.Event()
    thread = threading.Thread(target=ready.wait, daemon=True)
    thread.start()
    try:
        pid = str(child.pid)
        for words in (["-p", pid[:-1]], ["exit", "--ppid", pid[:-1]], ["--pid", "=", pid[:-1]]):
            assert pid in bash_complete("procsnoop", *words), words
        tid = str(thread.native_id)
        assert tid in bash_complete("procsnoop", "--tid", tid)
        assert tid not in bash_complete("procsnoop", "-p", tid)  # a thread is no process
        assert bash_complete("procsnoop", "--comm", "pscompl-z") == ["pscompl-zz"]
        assert bash_complete("procsnoop", "open", "-c", "pscompl-z") == ["pscompl-zz"]
    finally:
        ready.set()
        child.kill()
        child.wait()
        shutil.rmtree(tmp)


def test_bash_completion_run_files_and_flags():
    tmp = tempfile.mkdtemp()
    try:
        for f in ("prog.bpf.c", "prebuilt.bpf.o", "types.h", "notes.txt"):
            with open(os.path.join(tmp, f), "w") as out:
                out.write("struct first { int a; };\nstruct second {\n\tint b;\n};\n"
                          if f == "types.h" else "")
        os.mkdir(os.path.join(tmp, "sub"))
        assert sorted(bash_complete("procsnoop", "run", "", cwd=tmp)) == [
            "prebuilt.bpf.o", "prog.bpf.c", "sub"]
        assert sorted(bash_complete("procsnoop", "run", "prog.bpf.c", "", cwd=tmp)) == [
            "sub", "types.h"]
        assert sorted(bash_complete("procsnoop", "run", "prog.bpf.c", "types.h", "--event-type",
                                    "", cwd=tmp)) == ["first", "second"]
    finally:
        shutil.rmtree(tmp)
    # The program's globals, read from procsnoop run PROG --help; bools have a --no- form.
    flags = bash_complete("procsnoop", "run", FEATURES, "--")
    for flag in ("--factor", "--tag", "--which", "--count_probes", "--no-count_probes",
                 "--output", "--interval"):
        assert flag in flags, (flag, flags)
    assert bash_complete("procsnoop", "run", FEATURES, "-o", "j") == ["json"]
    # @cmdarg's long names, ecli's --enable-/--disable- switches.
    flags = bash_complete("procsnoop", "run", ANNOTATIONS, "--")
    for flag in ("--pid", "--sig-floor", "--per-sig", "--no-per-sig", "--enable-per-sig",
                 "--emit", "--no-emit", "--disable-emit"):
        assert flag in flags, (flag, flags)
    assert "--sender" not in flags and "--per_sig" not in flags, flags
    # After `--`, only the program's flags.
    after = bash_complete("procsnoop", "run", FEATURES, "--", "--")
    assert "--factor" in after and "--output" not in after, after


# ---- zsh ----------------------------------------------------------------------------------

def zsh_specs():
    """{array or function: {(name, takes_value)}} from the _arguments specs of the zsh file."""
    specs, current = {}, None
    for line in open(ZSH):
        m = re.match(r"^(_procsnoop_\w+_opts)=\(|^(_procsnoop_common)\(\)", line)
        if m:
            current = m.group(1) or m.group(2)
            specs[current] = set()
            continue
        if current and re.match(r"^\)|^}", line):
            current = None
            continue
        if not current:
            continue
        for spec in re.findall(r"'(?:\([^)]*\))?\*?'?\{([^}]*)\}|'(?:\([^)]*\))?\*?(-[^'\[]+)\[",
                               line):
            for item in (spec[0].split(",") if spec[0] else [spec[1]]):
                item = item.replace("\\", "")
                specs[current].add((item.rstrip("+="), item.endswith(("+", "="))))
    return specs


def test_zsh_completion_options_match_help():
    specs = zsh_specs()
    common = specs["_procsnoop_common"]
    for command in COMMANDS:
        offered = set(common) if command != "run" else set()
        if command == "exec":
            offered.discard(("-q", False))  # exec's -q is --quote
        if command:
            offered |= specs[f"_procsnoop_{command}_opts"]
        assert offered == help_options(command), (
            command, sorted(offered - help_options(command)),
            sorted(help_options(command) - offered))


def zsh_complete(lines, cwd=ROOT, env=ENV):
    """What an interactive zsh has on its line after each of LINES and a Tab.

    Each line is typed with a Tab and then a key bound to a widget that appends $BUFFER to a
    file and clears the line. zle runs keys in order, so the widget sees the line only after
    the completion is over, however long it took (`run PROG --` compiles PROG)."""
    fpath = tempfile.mkdtemp()
    shutil.copy(ZSH, os.path.join(fpath, "_procsnoop"))
    dump = os.path.join(fpath, "lines")
    open(dump, "w").close()
    keys = "".join(f"zpty -w -n z {shlex.quote(line)}$'\\t\\C-t'\n" for line in lines)
    driver = f"""
zmodload zsh/zpty
zpty z 'TERM=dumb PS1="> " zsh -f -i'
zpty -w z 'unsetopt zle_bracketed_paste 2>/dev/null; fpath=({fpath} $fpath); autoload -U compinit; compinit -u -D; cd {shlex.quote(cwd)}'
zpty -w z 'dump() {{ print -r -- "$BUFFER" >> {shlex.quote(dump)}; BUFFER=; }}; zle -N dump; bindkey "^T" dump'
{keys}
for i in {{1..{(20 + 3 * len(lines)) * 10}}}; do
    while zpty -r -t z chunk; do :; done
    (( $(wc -l < {shlex.quote(dump)}) >= {len(lines)} )) && break
    sleep 0.1
done
zpty -d z
"""
    try:
        subprocess.run(["zsh", "-f", "-c", driver], capture_output=True, text=True,
                       env=env, timeout=30 + 3 * len(lines))
        with open(dump) as f:
            results = f.read().splitlines()
    finally:
        shutil.rmtree(fpath)
    assert len(results) == len(lines), (lines, results)
    return [r.rstrip() for r in results]


def test_zsh_completion_in_zsh():
    cases = {
        "procsnoop si": "procsnoop sig",
        "procsnoop exec --max-a": "procsnoop exec --max-args=",
        "procsnoop sig --sou": "procsnoop sig --source=",
        "procsnoop sig --source=ker": "procsnoop sig --source=kernel",
        "procsnoop sig -s SIGTE": "procsnoop sig -s SIGTERM",
        "procsnoop open --extended-f": "procsnoop open --extended-fields",
        "procsnoop -o js": "procsnoop -o json",
        "procsnoop --user roo": "procsnoop --user root",
        "procsnoop exec --tree -- unshar": "procsnoop exec --tree -- unshare",
        f"procsnoop run {FEATURES} --fac": f"procsnoop run {FEATURES} --factor",
        f"procsnoop run {ANNOTATIONS} --enable-p": f"procsnoop run {ANNOTATIONS} --enable-per-sig",
        f"procsnoop run {ANNOTATIONS} --sig-": f"procsnoop run {ANNOTATIONS} --sig-floor",
        "procsnoop run tests/programs/seed003/opens": "procsnoop run tests/programs/seed003/opensnoop.bpf.c",
    }
    got = dict(zip(cases, zsh_complete(list(cases))))
    # zsh shows the suffix it would remove at the next key: '=' of an option, ',' of a list.
    wrong = {line: got[line] for line, want in cases.items()
             if got[line].rstrip("=, ") != want.rstrip("=, ")}
    assert not wrong, wrong


def test_container_names_from_podman():
    """--container completes the names `podman ps` lists: a stand-in podman on the PATH."""
    bindir = tempfile.mkdtemp()
    fake = os.path.join(bindir, "podman")
    with open(fake, "w") as f:
        f.write("#!/bin/sh\n"
                "[ \"$*\" = \"ps --format {{.Names}}\" ] && printf 'web-1\\nweb-2\\ndb\\n'\n")
    os.chmod(fake, 0o755)
    env = dict(ENV, PATH=bindir + ":" + ENV["PATH"])
    try:
        assert bash_complete("procsnoop", "--container", "we", env=env) == ["web-1", "web-2"]
        assert bash_complete("procsnoop", "exec", "--container", "=", "d", env=env) == ["db"]
        assert zsh_complete(["procsnoop open --container d"], env=env) == [
            "procsnoop open --container db"]
    finally:
        shutil.rmtree(bindir)
