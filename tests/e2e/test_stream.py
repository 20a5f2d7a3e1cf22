"""procsnoop with no subcommand (or several): one ring buffer, one time-ordered stream."""
import os
import subprocess
import tempfile

from harness import Trace, assert_recent_clock, tool

ACTOR = tool("execactor")
ME = os.getpid()
# Run again against the ASan+UBSan build and under valgrind (tests/run.py).
SANITIZED = ("test_every_type_table",)


def run_mix(path):
    """The actor execs, opens path, sends kill(self, 0) and exits: one of each type."""
    p = subprocess.Popen([ACTOR, "mix", path])
    p.wait(timeout=30)
    assert p.returncode == 0
    return p.pid


def test_every_type_in_time_order_json():
    with tempfile.NamedTemporaryFile() as f, Trace("--ppid", str(ME)) as tr:
        pid = run_mix(f.name)
        tr.wait_for(lambda e: e["type"] == "exit" and e["pid"] == pid)
        mine = [e for e in tr.events() if e["pid"] == pid]
        types = [e["type"] for e in mine]
        assert types[0] == "exec" and types.count("exit") == 1, types
        assert {"exec", "open", "sig", "exit"} <= set(types), types
        # Exiting, the process makes the kernel send SIGCHLD to its parent: after the exit.
        assert types[types.index("exit"):] == ["exit", "sig"], types
        assert mine[-1]["source"] == "kernel" and mine[-1]["sig"] == "SIGCHLD"
        opened = [e for e in mine if e["type"] == "open" and e["path"] == f.name]
        assert len(opened) == 1, opened
        [sig] = [e for e in mine if e["type"] == "sig" and e["source"] == "kill"]
        assert sig["source"] == "kill" and sig["target_pid"] == pid and sig["sig"] == "0"
        # The whole stream, not only this process, is in time order.
        ts = [e["ts_ns"] for e in tr.events()]
        assert ts == sorted(ts)
        assert tr.stop() == 0


def test_every_type_table():
    with tempfile.NamedTemporaryFile() as f, Trace("--ppid", str(ME), json_output=False) as tr:
        pid = run_mix(f.name)
        tr.wait_for(lambda l: " exit " in l and f" {pid} " in l)
        lines = tr.text().splitlines()
        # Several tracers show the CONTAINER column by default (test_containers checks it).
        assert lines[0].split() == ["TIME", "TYPE", "PID", "COMM", "CONTAINER", "DETAILS"], \
            lines[0]
        rows = [l.split(None, 5) for l in lines[1:] if l.split()[2:3] == [str(pid)]]
        types = [r[1] for r in rows]
        assert {"exec", "open", "sig", "exit"} <= set(types), types
        [ex] = [r for r in rows if r[1] == "exec"]
        assert ex[3] == "execactor" and "ret=0" in ex[5], ex
        assert ex[5].endswith(f"args={ACTOR} mix {f.name}"), ex
        [xt] = [r for r in rows if r[1] == "exit"]
        assert f"exit=0 args={ACTOR} mix {f.name}" in xt[5], xt
        assert not any("container" in r[5] for r in rows), rows
        assert [r[0] for r in rows] == sorted(r[0] for r in rows)
        for r in rows:
            assert_recent_clock(r[0])


def test_named_subset():
    with tempfile.NamedTemporaryFile() as f, Trace("exec", "exit", "--ppid", str(ME)) as tr:
        pid = run_mix(f.name)
        tr.wait_for(lambda e: e["type"] == "exit" and e["pid"] == pid)
        types = [e["type"] for e in tr.events() if e["pid"] == pid]
        assert types == ["exec", "exit"], types
        assert "tracing exec exit," in tr.stderr()


def test_common_filter_applies_to_all():
    # Filtered by a uid nobody here has: the actor's events all stay in the kernel.
    with tempfile.NamedTemporaryFile() as f, Trace("-u", "65533") as tr, \
            Trace("--ppid", str(ME)) as ref:
        pid = run_mix(f.name)
        ref.wait_for(lambda e: e["type"] == "exit" and e["pid"] == pid)
        tr.stop()
        assert [e for e in tr.events() if e["pid"] == pid] == []

# Run again with PROCSNOOP_FEATURES_OFF=all (tests/run.py): the programs of 5.10.
FALLBACKS = ["test_every_type_in_time_order_json", "test_common_filter_applies_to_all"]
