"""What the end-to-end tests share: run procsnoop, wait until it traces, collect its output."""
import json
import os
import signal
import subprocess
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
# tests/run.py points this at the ASan+UBSan build for the sanitized pass.
PROCSNOOP = os.environ.get("PROCSNOOP_BIN") or os.path.join(BUILD, "procsnoop")
# The keys every JSON event has that name its container (null outside one).
CONTAINER_KEYS = {"container_id", "container_name", "image", "container_runtime", "pod_uid"}


def tool(name):
    """Path of a test program built from tests/e2e/NAME.c."""
    return os.path.join(BUILD, "tests", name)


class Trace:
    """A running procsnoop. Output lines are collected by a thread as they arrive."""

    def __init__(self, *args, json_output=True, ready_timeout=60, stdout=None, prefix=(),
                 binary=None):
        args, cmd = list(args), []
        if "--" in args:  # -- CMD [ARGS...] comes last
            args, cmd = args[:args.index("--")], args[args.index("--"):]
        self.args = [*prefix, binary or PROCSNOOP, *args] + (["-o", "json"] if json_output else []) + cmd
        self.json = json_output
        self.proc = subprocess.Popen(self.args, stdout=stdout or subprocess.PIPE,
                                     stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.lines = []
        self._seen = 0  # lines already decoded into _cache
        self._cache = []
        self.err_lines = []
        self.cond = threading.Condition()
        self.ready = False
        self.threads = [threading.Thread(target=self._read_err, daemon=True)]
        if stdout is None:
            self.threads.append(threading.Thread(target=self._read_out, daemon=True))
        for t in self.threads:
            t.start()
        deadline = time.monotonic() + ready_timeout
        with self.cond:
            while not self.ready:
                if self.proc.poll() is not None:
                    self._join()
                    raise AssertionError(f"procsnoop exited {self.proc.returncode} before tracing: "
                                         + "".join(self.err_lines)[-2000:])
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    raise AssertionError("procsnoop did not start tracing: "
                                         + "".join(self.err_lines)[-2000:])
                self.cond.wait(min(left, 0.2))

    def _read_out(self):
        # Whole reads, not a line at a time: a storm of events must not queue up in the pipe
        # behind this thread.
        fd, partial = self.proc.stdout.fileno(), b""
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            *complete, partial = (partial + chunk).split(b"\n")
            if complete:
                with self.cond:
                    self.lines.extend(l + b"\n" for l in complete)
                    self.cond.notify_all()
        if partial:
            with self.cond:
                self.lines.append(partial)
                self.cond.notify_all()

    def _read_err(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace")
            with self.cond:
                self.err_lines.append(line)
                if "procsnoop: tracing" in line:
                    self.ready = True
                self.cond.notify_all()

    def _join(self):
        for t in self.threads:
            t.join(timeout=10)

    def _decoded(self):
        """Every non-empty output line so far, decoded once: JSON records, or text lines.

        Lines are decoded outside the lock and only once, so that waiting on a stream of
        tens of thousands of events neither re-parses it on every wake-up nor holds up the
        thread that collects the output."""
        with self.cond:
            new = self.lines[self._seen:]
        self._seen += len(new)
        for l in new:
            if l.strip():
                self._cache.append(json.loads(l) if self.json else l.decode("utf-8", "replace"))
        return self._cache

    def events(self):
        """Every JSON record so far (needs json_output)."""
        return list(self._decoded())

    def text(self):
        with self.cond:
            return b"".join(self.lines).decode("utf-8", "replace")

    def wait_for(self, pred, timeout=5.0, count=1):
        """Waits until `count` events match pred; returns them."""
        deadline = time.monotonic() + timeout
        found, tested = [], 0
        while True:
            decoded = self._decoded()
            found += [e for e in decoded[tested:] if pred(e)]
            tested = len(decoded)
            if len(found) >= count:
                return found
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                if self.proc.poll() is not None:
                    self._join()
                    decoded = self._decoded()
                    found += [e for e in decoded[tested:] if pred(e)]
                    if len(found) >= count:
                        return found
                raise AssertionError(f"expected {count} matching event(s), got {len(found)}: "
                                     f"{found[:3]}; stderr: {''.join(self.err_lines)[-500:]}")
            with self.cond:
                if len(self.lines) == self._seen:
                    self.cond.wait(min(left, 0.1))

    def stop(self, sig=signal.SIGINT, timeout=20):
        """Stops procsnoop with sig; returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"procsnoop did not stop within {timeout}s of {sig}")
        self._join()
        return rc

    def stderr(self):
        return "".join(self.err_lines)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


def run(*args, timeout=60, **kw):
    """Runs a command to completion; returns the CompletedProcess."""
    return subprocess.run(list(args), capture_output=True, timeout=timeout, **kw)


def usage_error(*args):
    """Runs procsnoop with bad input: asserts exit 2 and one line on stderr; returns the line."""
    p = run(PROCSNOOP, *args)
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == 2, f"{args}: exit {p.returncode}, stderr {err!r}"
    assert p.stdout == b"", f"{args}: unexpected stdout {p.stdout[:200]!r}"
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, f"{args}: expected one line on stderr, got {lines}"
    return lines[0]


def assert_fields(event, **expected):
    """Asserts that event has exactly these values for these keys."""
    for k, v in expected.items():
        assert k in event, f"no key {k!r} in {event}"
        assert event[k] == v, f"{k}: expected {v!r}, got {event[k]!r} in {event}"


def assert_recent_clock(cell, within=120):
    """Asserts that a table TIME cell (HH:MM:SS.ffffff, local time) is within `within` seconds
    of now: the kernel stamped the event, rather than leaving the stamp at 0."""
    h, m, s = cell.split(":")
    shown = int(h) * 3600 + int(m) * 60 + float(s)
    now = time.localtime()
    diff = abs(now.tm_hour * 3600 + now.tm_min * 60 + now.tm_sec - shown)
    assert min(diff, 86400 - diff) < within, f"time {cell} is not now ({time.strftime('%T')})"


def stalled_reader(args, cause, event_type, timeout=60):
    """Runs procsnoop ARGS (JSON output) with nobody reading its stdout while cause() makes a
    storm; then reads everything and stops it with SIGINT. Returns (events of event_type,
    records lost in user space, records lost in the kernel, stderr) as the JSON says."""
    p = subprocess.Popen([PROCSNOOP, *args, "-o", "json"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        # Wait for "tracing" on stderr without reading stdout at all.
        line = b""
        while b"procsnoop: tracing" not in line:
            line = p.stderr.readline()
            assert line, "procsnoop ended before tracing"
        cause()
        time.sleep(0.5)
        # The kernel side kept being drained while nobody read: procsnoop is alive.
        assert p.poll() is None
        out = p.stdout.read1(1 << 20)
        p.send_signal(signal.SIGINT)
        rest, err = p.communicate(timeout=timeout)
    finally:
        p.kill()
    assert p.returncode == 0, err
    recs = [json.loads(l) for l in (out + rest).decode().splitlines() if l.startswith("{")]
    lost = {w: sum(r["count"] for r in recs if r["type"] == "lost" and r["where"] == w)
            for w in ("user", "kernel")}
    return sum(1 for r in recs if r["type"] == event_type), lost["user"], lost["kernel"], err
