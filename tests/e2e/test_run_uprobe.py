"""procsnoop run attaches uprobes whose section names no binary: SEC("uprobe") on the function
named as the program, SEC("uretprobe/FUNC") on FUNC, in the binary --uprobe-target names or
the process --uprobe-pid names (and then only in that process). A test binary's function is
called with known arguments by known pids."""
import os
import subprocess
import tempfile

from harness import BUILD, ROOT, Trace, usage_error

PROG = os.path.join(ROOT, "tests", "programs", "uprobe", "uprobe.bpf.c")
ACTOR = os.path.join(BUILD, "tests", "uprobeactor")


class Caller:
    """The actor, waiting to call procsnoop_probe_me(N) for each N given."""

    def __init__(self, *values):
        self.proc = subprocess.Popen([ACTOR, *map(str, values)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.pid = int(self.proc.stdout.readline().split()[1])

    def go(self):
        out, _ = self.proc.communicate("go\n", timeout=30)
        assert self.proc.returncode == 0
        return out.splitlines()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def calls(tr, pid, n):
    evs = tr.wait_for(lambda e: e.get("type") == "event" and e["pid"] == pid, count=n,
                      timeout=10)
    return [(e["value"], e["at_return"]) for e in evs]


def test_uprobe_target_entry_and_return():
    with Caller(5, -7) as c, Trace("run", PROG, "--uprobe-target", ACTOR) as tr:
        assert c.go() == ["5 -> 11", "-7 -> -13"]
        got = calls(tr, c.pid, 4)
        assert tr.stop() == 0
    assert got == [(5, False), (11, True), (-7, False), (-13, True)], got
    err = tr.stderr()
    assert (f"procsnoop run: attached procsnoop_probe_me to procsnoop_probe_me in {ACTOR}\n"
            in err), err
    assert (f"procsnoop run: attached probe_me_returns to procsnoop_probe_me's return in "
            f"{ACTOR}\n" in err), err


def test_uprobe_pid_only_that_process():
    """Two processes of the same binary: only the one --uprobe-pid names is seen."""
    with Caller(1, 2) as a, Caller(3) as b, Trace("run", PROG, "--uprobe-pid",
                                                  str(a.pid)) as tr:
        b.go()
        assert a.go() == ["1 -> 3", "2 -> 5"]
        got = calls(tr, a.pid, 4)
        assert tr.stop() == 0
    assert got == [(1, False), (3, True), (2, False), (5, True)], got
    assert not [e for e in tr.events() if e.get("pid") == b.pid], tr.events()
    assert (f"attached procsnoop_probe_me to procsnoop_probe_me in /proc/{a.pid}/exe, "
            f"process {a.pid} only\n" in tr.stderr()), tr.stderr()


def test_uprobe_bad_input():
    assert usage_error("run", PROG) == (
        'procsnoop run: program procsnoop_probe_me (SEC("uprobe")) names no binary: give '
        "--uprobe-target PATH or --uprobe-pid PID")
    assert usage_error("run", PROG, "--uprobe-target", "/bin/true") == (
        "procsnoop run: program procsnoop_probe_me cannot attach: /bin/true has no function "
        "procsnoop_probe_me")
    assert usage_error("run", PROG, "--uprobe-target", "/nonexistent/binary") == (
        "procsnoop run: program procsnoop_probe_me cannot attach: /nonexistent/binary: No such "
        "file or directory")
    assert usage_error("run", PROG, "--uprobe-pid", "x1") == (
        "procsnoop run: invalid --uprobe-pid 'x1': not a number")
    assert usage_error("run", PROG, "--uprobe-pid", "999999999") == (
        "procsnoop run: invalid --uprobe-pid '999999999': out of range (1 to 4194304)")
    assert usage_error("run", PROG, "--uprobe-pid", "4194304") == (
        "procsnoop run: --uprobe-pid 4194304: no such process")


def test_section_with_binary_limited_by_uprobe_pid():
    """SEC("uprobe/PATH:FUNC") attaches by itself, to every process of the binary; with
    --uprobe-pid only to that process."""
    with open(PROG) as f:
        text = f.read().replace('SEC("uprobe")', f'SEC("uprobe/{ACTOR}:procsnoop_probe_me")')
    with tempfile.TemporaryDirectory() as tmp:
        prog = os.path.join(tmp, "whole.bpf.c")
        with open(prog, "w") as f:
            f.write(text)
        with Caller(4) as a, Caller(6) as b, Trace("run", prog, "--uprobe-target", ACTOR) as tr:
            a.go()
            b.go()
            assert calls(tr, a.pid, 2) == [(4, False), (9, True)]
            assert calls(tr, b.pid, 2) == [(6, False), (13, True)]
            assert tr.stop() == 0
        with Caller(4) as a, Caller(6) as b, Trace("run", prog, "--uprobe-pid",
                                                   str(a.pid)) as tr:
            b.go()
            a.go()
            assert calls(tr, a.pid, 2) == [(4, False), (9, True)]
            assert tr.stop() == 0
        assert not [e for e in tr.events() if e.get("pid") == b.pid], tr.events()
        assert (f"attached procsnoop_probe_me to procsnoop_probe_me in {ACTOR}, process "
                f"{a.pid} only\n" in tr.stderr()), tr.stderr()
