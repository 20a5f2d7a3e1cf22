"""procsnoop run through the tracers' stream: exact loss accounting for a program's ring and
perf buffers, a stalled reader, detach before the last drain, --metrics and -q. The events are
getppid() calls of a child with a known pid, counted exactly."""
import os
import re
import signal
import subprocess
import tempfile
import time

from harness import PROCSNOOP, ROOT, Trace, stalled_reader
from test_metrics import http

STORM = os.path.join(ROOT, "tests", "programs", "storm")
RINGSTORM = os.path.join(STORM, "ringstorm.bpf.c")
BIGRING = os.path.join(STORM, "bigring.bpf.c")
PERFSTORM = os.path.join(STORM, "perfstorm.bpf.c")


class Storm:
    """A child that calls getppid() `n` times (forever when n is 0) once told to go. With
    `pinned`, it and procsnoop share CPU 0 and the child runs SCHED_FIFO: procsnoop cannot
    read until the storm is over, so a small buffer must overflow."""

    def __init__(self, n, pinned=False, tail=False):
        loop = f"for _ in range({n}): g()" if n else "while True: g()"
        # A perf buffer reports a loss with the next sample that fits (the kernel writes the
        # lost record then): `tail` makes one more call once procsnoop has read the rest.
        after = "\nimport time; time.sleep(0.5); g()" if tail else ""
        code = f"import os, sys\ng = os.getppid\nsys.stdin.readline()\n{loop}{after}\n"
        prefix = ["taskset", "-c", "0", "chrt", "-f", "10"] if pinned else []
        self.proc = subprocess.Popen([*prefix, "python3", "-c", code], stdin=subprocess.PIPE)
        self.pid = self.proc.pid
        self.prefix = ["taskset", "-c", "0"] if pinned else []

    def go(self, wait=True):
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()
        if wait:
            assert self.proc.wait(timeout=120) == 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


SUMMARY = re.compile(r"procsnoop: (\d+) events, (\d+) lost(?: \(event (\d+)\))?"
                     r"(?:, (\d+) not written \(the output was too slow\))?\n")


def summary(tr):
    m = SUMMARY.search(tr.stderr())
    assert m, tr.stderr()
    return [int(g or 0) for g in m.groups()]


def storm_counts(prog, n, *flags, tail=False):
    """Runs prog over a pinned storm of n calls; returns (events, lost records, summary)."""
    with Storm(n, pinned=True, tail=tail) as st:
        tr = Trace("run", prog, "--target", str(st.pid), *flags, prefix=st.prefix)
        try:
            st.go()
            time.sleep(0.3)
            assert tr.stop() == 0, tr.stderr()
        finally:
            tr.kill()
    recs = tr.events()
    events = [r for r in recs if r["type"] == "event"]
    lost = [r for r in recs if r["type"] == "lost"]
    assert all(e["pid"] == st.pid for e in events), events[:3]
    assert all(r["where"] == "kernel" for r in lost), lost[:3]
    return events, sum(r["count"] for r in lost), summary(tr)


def check_exact(prog, *flags, n=20000, tail=False):
    events, lost, (s_events, s_lost, s_typed, s_unwritten) = storm_counts(prog, n, *flags,
                                                                          tail=tail)
    assert lost > 0, f"a storm of {n} should overflow {prog}: {len(events)} delivered"
    assert len(events) + lost == n + tail, (len(events), lost)
    assert (s_events, s_lost, s_typed, s_unwritten) == (len(events), lost, lost, 0)


def test_run_ringbuf_reserve_losses_are_counted_exactly():
    check_exact(RINGSTORM)


def test_run_ringbuf_output_losses_are_counted_exactly():
    check_exact(RINGSTORM, "--use_output")


def test_run_perf_buffer_losses_are_counted_exactly():
    check_exact(PERFSTORM, n=60000, tail=True)


def test_run_nothing_lost_when_the_buffer_keeps_up():
    with Storm(3000) as st, Trace("run", BIGRING, "--target", str(st.pid)) as tr:
        st.go()
        tr.wait_for(lambda e: e["type"] == "event", count=3000)
        assert tr.stop() == 0
    assert summary(tr) == [3000, 0, 0, 0]
    assert [e["tid"] for e in tr.events()] == [st.pid] * 3000


def test_run_prebuilt_object_says_its_ring_buffer_losses_are_not_counted():
    with tempfile.TemporaryDirectory() as tmp:
        obj = os.path.join(tmp, "ringstorm.bpf.o")
        subprocess.run(["clang", "-target", "bpf", "-g", "-O2", "-D__TARGET_ARCH_x86",
                        "-I" + os.path.dirname(PROCSNOOP.split()[-1]), "-I" + STORM,
                        "-c", RINGSTORM, "-o", obj], check=True)
        with Trace("run", obj, "--event-type", "event", "-d", "0.2") as tr:
            assert tr.proc.wait(timeout=30) == 0
            tr._join()
    warn = [l for l in tr.stderr().splitlines() if "cannot be counted" in l]
    assert warn == [f"procsnoop run: {obj} is a prebuilt object: records its ring buffers "
                    "refuse cannot be counted (give its source to have them counted)"], tr.stderr()


def test_run_stalled_reader_drops_in_user_space_and_catches_up():
    n = 200000
    with Storm(n) as st:
        got, user, kern, err = stalled_reader(["run", BIGRING, "--target", str(st.pid)],
                                              st.go, "event")
    assert user > 0 or "valgrind" in PROCSNOOP, (got, kern)
    assert got + user + kern == n, (got, user, kern)
    m = SUMMARY.search(err.decode())
    assert m and int(m.group(4) or 0) == user and int(m.group(2)) == kern, err


def test_run_stops_promptly_under_a_storm_that_never_ends():
    """The programs are detached before the last drain: it ends though the storm goes on."""
    with Storm(0) as st, Trace("run", BIGRING, "--target", str(st.pid)) as tr:
        st.go(wait=False)
        tr.wait_for(lambda e: e["type"] == "event", count=1000, timeout=30)
        t0 = time.monotonic()
        assert tr.stop(signal.SIGTERM) == 0
        took = time.monotonic() - t0
        assert st.proc.poll() is None  # the storm was still going
    assert took < 10, took
    events, lost, _, unwritten = summary(tr)
    delivered = sum(1 for e in tr.events() if e["type"] == "event")
    # Every event taken from the kernel is written, or counted as not written.
    assert delivered + unwritten == events, (delivered, events, unwritten)


def test_run_metrics_quiet_exporter():
    with Storm(5000) as st, Trace("run", BIGRING, "-q", "--metrics", "127.0.0.1:0",
                                 "--target", str(st.pid), json_output=False) as tr:
        m = re.search(r"serving metrics at (http://127\.0\.0\.1:\d+/metrics)", tr.stderr())
        assert m, tr.stderr()
        st.go()
        deadline = time.monotonic() + 20
        while True:
            status, _, body = http(m.group(1))
            assert status == 200
            s = dict(l.rsplit(" ", 1) for l in body.splitlines() if l and l[0] != "#")
            if s.get('procsnoop_event_events_total') == "5000" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert s.get("procsnoop_event_events_total") == "5000", body
        for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                     "procsnoop_poll_batches_total"):
            assert name in s, (name, body)
        assert tr.stop() == 0
    assert tr.text() == ""  # -q: nothing on stdout
    assert summary(tr) == [5000, 0, 0, 0]


# Again against the ASan+UBSan build and under valgrind: counting stays exact when the reader
# is slow, since the kernel side counts.
SANITIZED = ("test_run_nothing_lost_when_the_buffer_keeps_up",
             "test_run_ringbuf_reserve_losses_are_counted_exactly")
