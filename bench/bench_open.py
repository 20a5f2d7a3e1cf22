#!/usr/bin/env python3
"""openat storms pinned to CPU 0, the tracer on CPU 1: an existing file opened and closed, and a
missing one (ENOENT), both relative to a working directory six levels deep. No tracer,
procsnoop open, procsnoop open --full-path (tables to a file), libbpf-tools opensnoop (to a
file), in alternating rounds (storms.py says why and how)."""
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storms  # noqa: E402

N = int(os.environ.get("OPEN_BENCH_CALLS", 1000000))
N_SLOW = int(os.environ.get("OPEN_BENCH_CALLS_SLOW", 100000))
ROUNDS = int(os.environ.get("OPEN_BENCH_ROUNDS", 7))
STORM = os.path.join(storms.BENCH_BIN, "open_storm")


def main():
    storms.ensure_libbpf_tools()
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.path.join(tmp, "work", "a", "b", "c")
        os.makedirs(cwd)
        open(os.path.join(cwd, "existing"), "w").close()
        os.chdir(cwd)
        for mode, path in (("ok", "existing"), ("fail", "missing")):
            shown = rf"open_storm .*[ /]{path}$"
            ps = storms.Tracer("procsnoop open", [storms.PROCSNOOP, "open"],
                               "procsnoop: tracing", shown, N)
            fp = storms.Tracer("procsnoop open --full-path",
                               [storms.PROCSNOOP, "open", "--full-path"], "procsnoop: tracing",
                               shown, N)
            os_ = storms.Tracer("libbpf-tools opensnoop", ["/usr/sbin/opensnoop"], "PID", shown,
                                N_SLOW, lost_re=None)
            tracers = [ps, fp, os_]
            bases = storms.rounds(lambda n: [STORM, mode, path, str(n), "0"], N, tracers,
                                  ROUNDS, lambda t: t.calls // 4)
            title = ("openat+close of an existing file" if mode == "ok"
                     else "failing openat (ENOENT)")
            print(f"median of {ROUNDS} alternating rounds")
            storms.table(title, bases, tracers)
            med = statistics.median
            print(f"procsnoop added cost / opensnoop added cost: {storms.ratio(ps, os_):.3f} "
                  f"(target <= 0.04)")
            print(f"BPF run time, procsnoop / opensnoop: {med(ps.bpf) / med(os_.bpf):.3f}; "
                  f"--full-path / plain: {med(fp.bpf) / med(ps.bpf):.2f}")
            print(f"--full-path added cost / plain added cost: {storms.ratio(fp, ps):.2f} "
                  f"(target <= 2)")
            print()


if __name__ == "__main__":
    main()
