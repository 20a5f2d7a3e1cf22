"""procsnoop exit, end to end: real BPF, processes that exit in known ways."""
import os
import subprocess
import tempfile
import time

from harness import Trace, assert_fields, assert_recent_clock, tool

ACTOR = tool("execactor")
ME = os.getpid()
# Run again against the ASan+UBSan build and under valgrind (tests/run.py).
SANITIZED = ("test_codes_and_signals_json", "test_thread_exits_with_T")


def run_actor(*args):
    """Runs execactor with args; returns (pid, stdout)."""
    p = subprocess.Popen([ACTOR, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, _ = p.communicate(timeout=30)
    return p.pid, out.decode()


def exits(tr, pid, count=1):
    return tr.wait_for(lambda e: e["type"] == "exit" and e["pid"] == pid, count=count)


def check_common(e, pid, args):
    """Fields every process exit of an actor run carries, with the exec it ends."""
    assert_fields(e, pid=pid, tid=pid, ppid=ME, comm="execactor", uid=0, thread=False,
                  filename=ACTOR, args=[ACTOR, *args], argc=len(args) + 1,
                  args_truncated=False)
    assert 0 < e["age_ns"] < 20 * 10**9, e


def test_codes_and_signals_json():
    with tempfile.TemporaryDirectory() as d, Trace("exit", "--ppid", str(ME)) as tr:
        cases = [
            (["exit", "0", "carry", "these args"], dict(exit_code=0, sig=None, signo=None,
                                                         core_dumped=False, status=0)),
            (["exit", "3"], dict(exit_code=3, sig=None, signo=None, core_dumped=False,
                                 status=3 << 8)),
            (["kill", "9"], dict(exit_code=None, sig="SIGKILL", signo=9, core_dumped=False,
                                 status=9)),
            (["segv", d], dict(exit_code=None, sig="SIGSEGV", signo=11, core_dumped=True,
                               status=11 | 0x80)),
        ]
        for args, want in cases:
            pid, _ = run_actor(*args)
            [e] = exits(tr, pid)
            check_common(e, pid, args)
            assert_fields(e, **want)
        # The core the SIGSEGV dumped (core_pattern permitting) is where the actor ran.
        pattern = open("/proc/sys/kernel/core_pattern").read().strip()
        if not pattern.startswith("|"):
            assert any(n.startswith("core") for n in os.listdir(d)), os.listdir(d)
        assert tr.stop() == 0


def test_codes_and_signals_table():
    with tempfile.TemporaryDirectory() as d, \
            Trace("exit", "--ppid", str(ME), "-t", json_output=False) as tr:
        want = {}
        for args, shown in [(["exit", "0"], "0"), (["exit", "3"], "3"),
                            (["kill", "9"], "SIGKILL"), (["segv", d], "SIGSEGV (core dumped)")]:
            pid, _ = run_actor(*args)
            want[pid] = (args, shown)
        rows = tr.wait_for(lambda l: "execactor" in l, count=len(want))
        header = tr.text().splitlines()[0].split()
        assert header == ["TIME", "COMM", "PID", "PPID", "TID", "AGE(s)", "EXIT", "ARGS"], header
        for row in rows:
            cols = row.split()
            pid = int(cols[2])
            args, shown = want[pid]
            assert cols[1] == "execactor" and cols[3] == str(ME) and cols[4] == str(pid), cols
            assert 0 <= float(cols[5]) < 20, cols
            assert_recent_clock(cols[0])
            rest = " ".join(cols[6:])
            assert rest == f"{shown} {ACTOR} {' '.join(args)}", rest


def test_age_without_time_column():
    """The table without -t shows no time, so the events carry no stamp (filter_config
    .timestamps); the age still comes from the kernel's clock."""
    with Trace("exit", "--ppid", str(ME), json_output=False) as tr:
        p = subprocess.Popen(["sleep", "0.3"])
        p.wait(timeout=30)
        [row] = tr.wait_for(lambda l: f" {p.pid} " in l)
        assert tr.text().splitlines()[0].split() == ["COMM", "PID", "PPID", "TID", "AGE(s)",
                                                     "EXIT", "ARGS"]
        cols = row.split()
        assert cols[:4] == ["sleep", str(p.pid), str(ME), str(p.pid)], cols
        assert 0.3 <= float(cols[4]) < 20, cols
        assert cols[5:] == ["0", "sleep", "0.3"], cols


def test_failed_only():
    with Trace("exit", "--ppid", str(ME), "-x") as tr:
        ok, _ = run_actor("exit", "0")
        bad, _ = run_actor("exit", "3")
        killed, _ = run_actor("kill", "15")
        exits(tr, killed)
        got = [(e["pid"], e["exit_code"], e["sig"]) for e in tr.events()
               if e["pid"] in (ok, bad, killed)]
        assert got == [(bad, 3, None), (killed, None, "SIGTERM")], got


def test_thread_exits_with_T():
    with Trace("exit", "--ppid", str(ME), "-T") as tr, \
            Trace("exit", "--ppid", str(ME)) as plain:
        pid, out = run_actor("thread")
        tid = int(out.split()[1])
        assert tid != pid
        thread, proc = exits(tr, pid, count=2)
        assert_fields(thread, pid=pid, tid=tid, thread=True, exit_code=0, sig=None,
                      filename=ACTOR, args=[ACTOR, "thread"])
        assert thread["age_ns"] < proc["age_ns"]
        check_common(proc, pid, ["thread"])
        assert_fields(proc, exit_code=0)
        assert thread["ts_ns"] < proc["ts_ns"]
        # Without -T: the process's exit alone.
        [e] = exits(plain, pid)
        assert_fields(e, tid=pid, thread=False)
        assert len([e for e in plain.events() if e["pid"] == pid]) == 1


def test_exec_args_follow_the_last_exec():
    # The actor execs /bin/sh, which execs the actor again: the exit carries the last exec.
    with Trace("exit", "--ppid", str(ME)) as tr:
        p = subprocess.run(["/bin/sh", "-c", f"exec {ACTOR} exit 7 second"], timeout=30)
        assert p.returncode == 7
        [e] = tr.wait_for(lambda e: e["type"] == "exit" and e["exit_code"] == 7)
        assert_fields(e, comm="execactor", filename=ACTOR, args=[ACTOR, "exit", "7", "second"],
                      argc=4, ppid=ME)


def test_exit_group_of_busy_threads_is_one_process_exit():
    """exit_group while 8 threads run: they all die at once, and the process exits once.

    Before 6.16 the tracepoint has no group_dead: every thread that finds no live thread
    left may think it ends the process, and only one may say so."""
    with Trace("exit", "--ppid", str(ME), "-T") as tr, \
            Trace("exit", "--ppid", str(ME)) as plain:
        pids = [run_actor("threads", "8", "5")[0] for _ in range(10)]
        for pid in pids:
            evs = exits(tr, pid, count=9)
            time.sleep(0.05 if pid == pids[-1] else 0)
        time.sleep(0.3)
        for pid in pids:
            mine = [e for e in tr.events() if e["pid"] == pid]
            procs = [e for e in mine if not e["thread"]]
            assert len(mine) == 9 and len(procs) == 1, [(e["tid"], e["thread"]) for e in mine]
            assert_fields(procs[0], exit_code=5, sig=None, filename=ACTOR)
            [e] = [e for e in plain.events() if e["pid"] == pid]
            assert_fields(e, exit_code=5, thread=False, args=[ACTOR, "threads", "8", "5"])


def test_exit_without_seen_exec():
    """A process that exec'd before procsnoop started exits with no filename or args."""
    sleeper = subprocess.Popen(["/bin/sleep", "30"])
    try:
        with Trace("exit", "-p", str(sleeper.pid)) as tr:
            sleeper.kill()
            [e] = exits(tr, sleeper.pid)
            assert_fields(e, comm="sleep", sig="SIGKILL", filename=None, args=None, argc=None,
                          args_truncated=None)
    finally:
        sleeper.kill()
        sleeper.wait()

# Run again with PROCSNOOP_FEATURES_OFF=all (tests/run.py): the programs of 5.10.
FALLBACKS = ["test_codes_and_signals_json", "test_thread_exits_with_T",
             "test_exit_group_of_busy_threads_is_one_process_exit",
             "test_exec_args_follow_the_last_exec"]
