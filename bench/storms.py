"""Syscall storms in alternating rounds, for bench_open.py and bench_sig.py.

A storm is a tight loop of one syscall pinned to CPU 0 (bench/*_storm.c); a tracer runs on
CPU 1. On a shared VM the speed of a storm drifts by tens of percent within a minute, so a
figure taken before the tracers run and compared with figures taken after them can show a
tracer adding nothing or double. Each round here runs a storm with no tracer, then one
under each tracer, started for that storm and stopped after it; a tracer's added cost is
its storm minus that round's untraced storm, and the figure is the median over rounds.

BPF run time comes from a shorter storm with kernel.bpf_stats_enabled on, after the timed
one in the same tracer run: the statistics cost each program run two clock reads, which
would count against a tracer with more programs.
"""
import json
import os
import re
import signal
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
PROCSNOOP = os.path.join(BUILD, "procsnoop")
BENCH_BIN = os.path.join(BUILD, "bench")
HZ = os.sysconf("SC_CLK_TCK")


def ensure_libbpf_tools():
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps.sh"), "libbpf-tools"],
                   check=True)


def storm(cmd):
    """Runs a storm command; returns its ns per call (the 4th word it prints)."""
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return float(out.split()[3])


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def prog_stats():
    """{program id: run_time_ns} of every loaded BPF program."""
    out = subprocess.run(["bpftool", "prog", "show", "-j"], check=True, capture_output=True,
                         text=True).stdout
    return {p["id"]: p.get("run_time_ns", 0) for p in json.loads(out)}


class BpfStats:
    """kernel.bpf_stats_enabled on for a with-block, then as it was."""
    PATH = "/proc/sys/kernel/bpf_stats_enabled"

    def __enter__(self):
        with open(self.PATH) as f:
            self.was = f.read().strip()
        with open(self.PATH, "w") as f:
            f.write("1")

    def __exit__(self, *exc):
        with open(self.PATH, "w") as f:
            f.write(self.was)


class Tracer:
    """A tracer command, the line that says it is ready (None: it is ready once it has
    attached, for the tools whose header waits in a stdio buffer), and how its output counts
    the storm's events (count_re, per line) and its losses (lost_re: a number per line)."""

    def __init__(self, label, cmd, ready, count_re, calls, lost_re=r"^\S+ LOST (\d+) "):
        """lost_re None: the tracer does not say, and what it did not show is lost."""
        self.label, self.cmd, self.ready, self.calls = label, cmd, ready, calls
        self.count_re = re.compile(count_re)
        self.lost_re = re.compile(lost_re) if lost_re else None
        self.added, self.ns, self.bpf = [], [], []
        self.got = self.lost = self.issued = 0
        self.cpu = 0.0

    def run(self, storm_cmd, base_ns, stats_calls):
        """One storm under the tracer, started for it; the stats storm after it."""
        old = prog_stats()
        with tempfile.TemporaryDirectory() as d:
            out_path, err_path = os.path.join(d, "out"), os.path.join(d, "err")
            with open(out_path, "w") as out, open(err_path, "w") as err:
                p = subprocess.Popen(["taskset", "-c", "1", *self.cmd], stdout=out, stderr=err)
            try:
                self._wait_ready(p, out_path, err_path)
                cpu0 = cpu_seconds(p.pid)
                ns = storm(storm_cmd(self.calls))
                with BpfStats():
                    start = prog_stats()
                    storm(storm_cmd(stats_calls))
                    end = prog_stats()
                time.sleep(0.3)  # the reader's last drain
                self.cpu += cpu_seconds(p.pid) - cpu0
            finally:
                p.send_signal(signal.SIGINT)
                p.wait(timeout=30)
            with open(out_path, errors="replace") as f:
                for line in f:
                    if self.count_re.search(line):
                        self.got += 1
                    m = self.lost_re and self.lost_re.search(line)
                    if m:
                        self.lost += int(m.group(1))
        # The storms issue 1000 warm-up calls besides the counted ones.
        self.issued += self.calls + stats_calls + 2000
        if not self.lost_re:
            self.lost = self.issued - self.got
        ran = sum(end[i] - start.get(i, 0) for i in end if i not in old)
        self.bpf.append(ran / (stats_calls + 1000))
        self.ns.append(ns)
        self.added.append(ns - base_ns)

    def _wait_ready(self, p, *paths):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.ready is None and attached(p.pid):
                time.sleep(0.3)  # the rest of its attachments
                return
            for path in paths if self.ready else ():
                with open(path, errors="replace") as f:
                    if self.ready in f.read():
                        return
            if p.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"tracer did not start: {' '.join(self.cmd)}")

    def cpu_per_event_us(self):
        return self.cpu * 1e6 / self.got if self.got else 0.0


def attached(pid):
    """Whether a process holds a BPF link or a perf event (what libbpf attaches with)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target in ("anon_inode:bpf_link", "anon_inode:[perf_event]"):
            return True
    return False


def spread(values):
    return f"{min(values):.0f}/{max(values):.0f}"


def rounds(storm_cmd, base_calls, tracers, n_rounds, stats_calls):
    """Runs n_rounds rounds; returns the untraced storms' ns per call."""
    bases = []
    for _ in range(n_rounds):
        base = storm(storm_cmd(base_calls))
        bases.append(base)
        for t in tracers:
            t.run(storm_cmd, base, stats_calls(t))
    return bases


def table(title, bases, tracers):
    """Prints the medians: ns per call, added ns (lowest/highest round), BPF ns, events."""
    med = statistics.median
    print(f"{title:<34} ns/call  added ns [low/high]   BPF ns  delivered/issued      lost  "
          f"tracer CPU us/event")
    print(f"{'no tracer':<34} {med(bases):7.1f}")
    for t in tracers:
        print(f"{t.label:<34} {med(t.ns):7.1f}  {med(t.added):8.1f} [{spread(t.added):>9}]  "
              f"{med(t.bpf):7.1f}  {t.got:9d}/{t.issued:<9d}  {t.lost:6d}  "
              f"{t.cpu_per_event_us():.2f}")


def ratio(a, b):
    """The ratio of two tracers' median added costs (0 when b's is not positive)."""
    db = statistics.median(b.added)
    return statistics.median(a.added) / db if db > 0 else 0.0
