#!/usr/bin/env python3
"""kill(own pid, 0) storms pinned to CPU 0, the tracer on CPU 1: no tracer, procsnoop sig -k
(table to a file), libbpf-tools sigsnoop -k (to a file), in alternating rounds (storms.py
says why and how).

procsnoop gets a 64 MiB ring buffer: at 2.5 million kills a second the table writer can fall
behind, and an event counted lost costs the kernel less than one delivered. The table says
how many were delivered."""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storms  # noqa: E402

N = int(os.environ.get("SIG_BENCH_CALLS", 1000000))
N_SLOW = int(os.environ.get("SIG_BENCH_CALLS_SLOW", 200000))
ROUNDS = int(os.environ.get("SIG_BENCH_ROUNDS", 7))
STORM = os.path.join(storms.BENCH_BIN, "sig_storm")


def main():
    storms.ensure_libbpf_tools()
    ps = storms.Tracer("procsnoop sig -k -b 64M", [storms.PROCSNOOP, "sig", "-k", "-b", "64M"],
                       "procsnoop: tracing", r" sig_storm ", N)
    ss = storms.Tracer("libbpf-tools sigsnoop -k", ["/usr/sbin/sigsnoop", "-k"], None,
                       r"sig_storm", N_SLOW, lost_re=None)
    bases = storms.rounds(lambda n: [STORM, str(n), "0"], N, [ps, ss], ROUNDS,
                          lambda t: t.calls // 4)
    print(f"median of {ROUNDS} alternating rounds")
    storms.table("kill(pid, 0) storm", bases, [ps, ss])
    print(f"procsnoop added cost / sigsnoop added cost: {storms.ratio(ps, ss):.3f} "
          f"(target <= 0.05)")
    med = statistics.median
    print(f"BPF run time, procsnoop / sigsnoop: {med(ps.bpf) / med(ss.bpf):.3f}")


if __name__ == "__main__":
    main()
