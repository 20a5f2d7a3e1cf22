#!/usr/bin/env python3
"""Start, stop and memory of one tracer command, as its user sees them.

  lifecycle.py [--runs N] [--trace-s S] [--ready TEXT] [--storm CMD] -- COMMAND...

Runs COMMAND N times (default 5) and prints the medians, one line of key=value pairs:

  ready_s   from the start to the first line containing TEXT on stderr or stdout (the
            tracer's "tracing" line, or libbpf-tools' column header)
  stop_s    from SIGINT, sent S seconds (default 1) after ready, to the exit (wait4)
  rss_kib   the resident set just before the SIGINT (VmRSS)
  peak_kib  the peak resident set (ru_maxrss) of the whole run
  runs      how many runs the medians are over

With --storm, CMD runs (through sh) during the S seconds, and stops before the SIGINT.
stdout is a pseudo-terminal, as a user's; its output is read and thrown away.
"""
import argparse
import os
import pty
import signal
import statistics
import subprocess
import sys
import threading
import time


def drain(fd, ready_text, seen, t0):
    """Reads fd to its end; records in seen the time ready_text first showed."""
    data = b""
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:  # a pty's master reads EIO once the other side is gone
            break
        if not chunk:
            break
        if "ready" not in seen:
            data = data[-len(ready_text):] + chunk
            if ready_text.encode() in data:
                seen["ready"] = time.monotonic() - t0
            seen.setdefault("first", data.decode(errors="replace"))
    os.close(fd)


def one_run(cmd, ready_text, trace_s, storm):
    # stdout on a pseudo-terminal, as a user's: libbpf-tools print their header at once
    # there, and only at exit into a pipe or a file.
    master, slave = pty.openpty()
    err_r, err_w = os.pipe()
    seen = {}
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=slave, stderr=err_w, stdin=subprocess.DEVNULL)
    os.close(slave)
    os.close(err_w)
    readers = [threading.Thread(target=drain, args=(fd, ready_text, seen, t0), daemon=True)
               for fd in (master, err_r)]
    for r in readers:
        r.start()
    while "ready" not in seen:
        if proc.poll() is not None:
            sys.exit(f"lifecycle: {cmd[0]} exited {proc.returncode} before it was ready: "
                     f"{seen.get('first', '')}")
        if time.monotonic() - t0 > 30:
            proc.kill()
            sys.exit(f"lifecycle: {cmd[0]} not ready within 30 s")
        time.sleep(0.001)
    if storm:
        load = subprocess.Popen(["sh", "-c", storm], stdout=subprocess.DEVNULL,
                                start_new_session=True)
        time.sleep(trace_s)
        os.killpg(load.pid, signal.SIGKILL)
        load.wait()
    else:
        time.sleep(trace_s)
    with open(f"/proc/{proc.pid}/status") as f:
        rss = int(next(l.split()[1] for l in f if l.startswith("VmRSS:")))
    t1 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, status, usage = os.wait4(proc.pid, 0)
    stop = time.monotonic() - t1
    code = os.waitstatus_to_exitcode(status)
    for r in readers:
        r.join(timeout=5)
    if code not in (0, 130, -signal.SIGINT):
        sys.exit(f"lifecycle: {cmd[0]} exited {code}")
    return seen["ready"], stop, rss, usage.ru_maxrss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--trace-s", type=float, default=1.0)
    ap.add_argument("--ready", default="procsnoop: tracing")
    ap.add_argument("--storm")
    ap.add_argument("cmd", nargs="+")
    a = ap.parse_args()
    runs = [one_run(a.cmd, a.ready, a.trace_s, a.storm) for _ in range(a.runs)]
    med = [statistics.median(r[i] for r in runs) for i in range(4)]
    print(f"ready_s={med[0]:.3f} stop_s={med[1]:.3f} rss_kib={int(med[2])} "
          f"peak_kib={int(med[3])} runs={a.runs}")


if __name__ == "__main__":
    main()
