#!/usr/bin/env python3
"""The soak: stress-ng drives signals, opens, forks and execs at full speed in a cgroup of its
own while procsnoop (every tracer, JSON to a file) traces that cgroup. An oracle BPF program
(tests/soak/oracle.bpf.c, run by `procsnoop run`) counts in the kernel, per second, the events
procsnoop should report; it has no ring buffer, so it loses nothing.

Checks, each printed with its figures:
  accounting   per type: events delivered + counted lost == events the oracle saw, exactly;
               and for every second: nothing delivered that the oracle did not see, and every
               event of that second delivered or its loss reported by the end of the next one
  memory       procsnoop's resident memory grows at most RSS_GROWTH_KIB after the warm-up
  maps         the entries of procsnoop's hash maps stay within their bounds
  cpu          procsnoop's CPU time is at most CPU_SHARE of one CPU
  resume       (with a small --buffer-size) once the load stops, events arrive again

  soak.py [--seconds N] [--buffer-size BYTES] [--report FILE]

`make soak` runs it for SOAK_SECONDS (default 600); `make test` runs a short form.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
PROCSNOOP = os.environ.get("PROCSNOOP_BIN") or os.path.join(BUILD, "procsnoop")
SOAKCOUNT = os.path.join(BUILD, "tests", "soakcount")
ORACLE = os.path.join(ROOT, "tests", "soak", "oracle.bpf.c")
TYPES = ("sig", "open", "exec", "exit")

RSS_GROWTH_KIB = 2048
CPU_SHARE = 0.75
NOBODY = 65534


def cgroup2_root():
    with open("/proc/mounts") as f:
        for line in f:
            dev, mnt, fstype = line.split()[:3]
            if fstype == "cgroup2":
                return mnt
    raise RuntimeError("no cgroup2 file system is mounted")


def start(args, out, what, timeout=60):
    """Starts a procsnoop process; returns once it says it is tracing."""
    err = tempfile.TemporaryFile()
    p = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
        if "procsnoop: tracing" in text or "procsnoop run: tracing" in text:
            p.err = err
            return p
        if p.poll() is not None:
            raise RuntimeError(f"{what} exited {p.returncode} before tracing: {text[-2000:]}")
        time.sleep(0.05)
    p.kill()
    raise RuntimeError(f"{what} did not start tracing")


def stderr_of(p):
    p.err.seek(0)
    return p.err.read().decode("utf-8", "replace")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def runq_wait_seconds(pid):
    """Time procsnoop was ready to run but waited for a CPU."""
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[1]) / 1e9


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def hash_maps(pid):
    """{map id: (name, max_entries)} of the hash maps procsnoop holds."""
    maps = {}
    for fd in os.listdir(f"/proc/{pid}/fdinfo"):
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                info = dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)
        except OSError:
            continue
        if "map_id" not in info or info.get("map_type") not in ("1", "9"):  # hash, lru_hash
            continue
        show = json.loads(subprocess.run(["bpftool", "map", "show", "id", info["map_id"], "-j"],
                                         capture_output=True, check=True).stdout)
        maps[int(info["map_id"])] = (show.get("name", "?"), int(info["max_entries"]))
    return maps


def map_entries(map_id):
    out = subprocess.run(["bpftool", "map", "dump", "id", str(map_id), "-j"],
                         capture_output=True).stdout
    try:
        return len(json.loads(out))
    except ValueError:
        return -1


def stress_cmd(cg, seconds, workdir):
    """stress-ng as nobody in the cgroup (its exec stressor refuses to run as root)."""
    stress = ["stress-ng", "--kill", "1", "--sigq", "1", "--open", "1", "--fork", "1",
              "--exec", "1", "--sigsegv", "1", "--temp-path", workdir, "-t", str(seconds),
              "--metrics-brief"]
    return ["sh", "-c", f'echo $$ > "{cg}/cgroup.procs" && exec "$@"', "sh",
            "setpriv", "--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups",
            *stress]


def parse_oracle(text):
    seen = {t: {} for t in TYPES}
    for line in text.splitlines():
        if not line.startswith('{"type":"map"'):
            continue
        rec = json.loads(line)
        if rec.get("map") != "seen":
            continue
        for t in TYPES:
            if rec[f"value.{t}"]:
                seen[t][rec["key"]] = rec[f"value.{t}"]
    return seen


def parse_counts(text):
    delivered = {t: {} for t in TYPES}
    lost = {t: {} for t in TYPES}
    lost_where = {"kernel": 0, "user": 0}
    totals = None
    for line in text.splitlines():
        f = line.split()
        if f[0] == "D":
            delivered[f[1]][int(f[2])] = int(f[3])
        elif f[0] == "L":
            lost[f[1]][int(f[2])] = lost[f[1]].get(int(f[2]), 0) + int(f[3])
            lost_where[f[4]] += int(f[3])
        elif f[0] == "T":
            totals = {"lines": int(f[1]), "bytes": int(f[2]), "bad": int(f[3])}
    return delivered, lost, lost_where, totals


# The oracle counts an event a moment before procsnoop stamps it: at a second's boundary the two
# can fall on either side of it, a few events at most.
EDGE = 8


def check_seconds(seen, delivered, lost, bucket_s=1):
    """The per-bucket bounds (a bucket is a second unless the soak is long); returns a list of
    problems, each naming the bucket by its CLOCK_MONOTONIC second."""
    problems = []
    for t in TYPES:
        keys = sorted(set(seen[t]) | set(delivered[t]) | set(lost[t]))
        if not keys:
            continue
        cs = cd = 0
        lo, hi = keys[0], keys[-1] + 1
        cum_lost = {}
        acc = 0
        for b in range(lo, hi + 1):
            acc += lost[t].get(b, 0)
            cum_lost[b] = acc
        for b in range(lo, hi):
            cs += seen[t].get(b, 0)
            cd += delivered[t].get(b, 0)
            deficit = cs - cd
            if deficit < -EDGE:
                problems.append(f"{t}: by second {b * bucket_s}, {-deficit} events delivered that the "
                                "kernel did not see")
            if deficit > cum_lost[b + 1] + EDGE:
                problems.append(f"{t}: by second {b * bucket_s}, {deficit} events neither delivered "
                                f"nor counted lost within {bucket_s} s (lost reported: {cum_lost[b + 1]})")
            if cum_lost[b] > deficit + EDGE:
                problems.append(f"{t}: by second {b * bucket_s}, {cum_lost[b]} events reported lost but only "
                                f"{deficit} missing")
    return problems[:20]


def soak(seconds, buffer_size=None, warmup=None, verbose=True, bucket_s=None):
    """Runs the soak; returns the report (a dict) with report["problems"] empty on success."""
    if shutil.which("stress-ng") is None:
        raise RuntimeError("stress-ng is not installed (make installs it)")
    if not os.path.exists(SOAKCOUNT):
        raise RuntimeError(f"{SOAKCOUNT} was not built")
    warmup = warmup if warmup is not None else min(60.0, seconds / 5)
    log = print if verbose else (lambda *a, **k: None)
    cg = os.path.join(cgroup2_root(), f"procsnoop-soak-{os.getpid()}")
    # The output lives in memory: on a disk, punching holes in what was read writes it back
    # first, under the inode lock procsnoop's writes wait for, and the soak would measure that.
    work = tempfile.mkdtemp(prefix="procsnoop-soak-",
                            dir="/dev/shm" if os.path.isdir("/dev/shm") else BUILD)
    os.chmod(work, 0o755)  # stress-ng runs as nobody inside it
    stress_dir = os.path.join(work, "stress")
    os.mkdir(stress_dir)
    os.chown(stress_dir, NOBODY, NOBODY)
    out_path = os.path.join(work, "procsnoop.json")
    os.makedirs(cg)
    procs = []
    # One bucket a second; longer ones for a soak of hours, so that the oracle's map (printed
    # up to 1024 entries) holds them all.
    bucket_s = bucket_s or max(1, -(-int(seconds + 150) // 900))
    bucket_ns = bucket_s * 10 ** 9
    report = {"seconds": seconds, "buffer_size": buffer_size, "bucket_s": bucket_s,
              "problems": []}
    problems = report["problems"]
    try:
        cgid = os.stat(cg).st_ino
        oracle_out = tempfile.TemporaryFile()
        oracle = start([PROCSNOOP, "run", ORACLE, "-o", "json", "-i", "1000000",
                        "--cgid", str(cgid), "--bucket_ns", str(bucket_ns)], oracle_out,
                       "the oracle")
        procs.append(oracle)
        out = open(out_path, "wb")
        args = [PROCSNOOP, "-o", "json", "--cgroup", cg]
        if buffer_size:
            args += ["-b", str(buffer_size)]
        tracer = start(args, out, "procsnoop")
        procs.append(tracer)
        counter = subprocess.Popen([SOAKCOUNT, out_path, str(bucket_ns)], stdout=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL)
        procs.append(counter)
        maps = hash_maps(tracer.pid)
        log(f"soak: {seconds:.0f} s of stress-ng in {cg}; procsnoop {tracer.pid}"
            f"{' -b ' + str(buffer_size) if buffer_size else ''}; hash maps: "
            + ", ".join(f"{n} (max {m})" for n, m in maps.values()))

        stress_log = tempfile.TemporaryFile()
        start_t = time.monotonic()
        cpu0 = cpu_seconds(tracer.pid)
        wait0 = runq_wait_seconds(tracer.pid)
        stress = subprocess.Popen(stress_cmd(cg, int(seconds), stress_dir), stdout=stress_log,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  cwd=stress_dir)
        procs.append(stress)
        samples = []
        next_maps = start_t
        while stress.poll() is None:
            time.sleep(1)
            now = time.monotonic() - start_t
            s = {"t": round(now, 1), "rss_kib": rss_kib(tracer.pid),
                 "cpu_s": round(cpu_seconds(tracer.pid) - cpu0, 2)}
            if time.monotonic() >= next_maps:
                s["maps"] = {n: map_entries(i) for i, (n, _) in maps.items()}
                next_maps = time.monotonic() + 10
            samples.append(s)
            if now > seconds + 120:
                stress.kill()
                problems.append("stress-ng ran 120 s past its time")
        wall = time.monotonic() - start_t
        cpu = cpu_seconds(tracer.pid) - cpu0
        report["runq_wait_share"] = round((runq_wait_seconds(tracer.pid) - wait0) / wall, 3)
        stress_log.seek(0)
        stress_text = stress_log.read().decode("utf-8", "replace")
        report["stress_ng"] = [l.split("] ", 1)[-1] for l in stress_text.splitlines()
                               if "metrc" in l][2:]
        if stress.returncode != 0:
            problems.append(f"stress-ng exited {stress.returncode}: "
                            + " | ".join(stress_text.splitlines()[-5:]))

        # The load has stopped: in a bucket of their own, a signal, opens and exec+exit come
        # through (time.monotonic is the kernel's CLOCK_MONOTONIC, as bpf_ktime_get_ns).
        now = time.monotonic()
        time.sleep((int(now + 1) // bucket_s + 1) * bucket_s - now + 0.05)
        subprocess.run(["sh", "-c", f'echo $$ > "{cg}/cgroup.procs" && exec "$@"', "sh",
                        "sh", "-c", "kill -0 $$; exec /bin/cat /dev/null"], check=True)
        time.sleep(0.5)
        for p in (tracer, oracle):
            p.send_signal(signal.SIGINT)
        for p in (tracer, oracle):
            p.wait(timeout=60)
        out.close()
        counter.send_signal(signal.SIGTERM)
        counts_text = counter.communicate(timeout=600)[0].decode()
        if "only the first" in stderr_of(oracle):
            problems.append("the oracle's map overflowed what it prints: "
                            + stderr_of(oracle).strip()[-300:])
        for p, what in ((tracer, "procsnoop"), (oracle, "the oracle")):
            if p.returncode != 0:
                problems.append(f"{what} exited {p.returncode}: {stderr_of(p)[-1000:]}")
        oracle_out.seek(0)
        seen = parse_oracle(oracle_out.read().decode())
        delivered, lost, lost_where, totals = parse_counts(counts_text)
        report["output"] = totals
        if not totals or totals["bad"]:
            problems.append(f"output lines that are no record: {totals}")

        per_type = {}
        for t in TYPES:
            k, d, l = sum(seen[t].values()), sum(delivered[t].values()), sum(lost[t].values())
            per_type[t] = {"seen": k, "delivered": d, "lost": l}
            if k != d + l:
                problems.append(f"{t}: the kernel saw {k}, procsnoop delivered {d} and counted "
                                f"{l} lost ({d + l - k:+d})")
            if k == 0:
                problems.append(f"{t}: the load caused no {t} event")
        report["per_type"] = per_type
        report["lost_where"] = lost_where
        problems.extend(check_seconds(seen, delivered, lost, bucket_s))
        summary = stderr_of(tracer).strip().splitlines()[-1:]
        report["summary"] = summary[0] if summary else ""
        total_d = sum(v["delivered"] for v in per_type.values())
        total_l = sum(v["lost"] for v in per_type.values())
        if f"procsnoop: {total_d + lost_where['user']} events, {lost_where['kernel']} lost" \
                not in report["summary"]:
            problems.append(f"summary '{report['summary']}' does not say {total_d} events, "
                            f"{total_l} lost")

        # Resumed after the load: the last seconds' events all arrived.
        last = max((b for t in TYPES for b in seen[t]), default=None)
        if last is not None:
            for t in ("sig", "open", "exec", "exit"):
                if seen[t].get(last, 0) != delivered[t].get(last, 0):
                    problems.append(f"{t}: after the load stopped, {seen[t].get(last, 0)} "
                                    f"events seen but {delivered[t].get(last, 0)} delivered")

        # Memory, maps, CPU.
        steady = [s for s in samples if s["t"] >= warmup]
        report["rss_kib"] = {"start": samples[0]["rss_kib"] if samples else 0,
                             "after_warmup": steady[0]["rss_kib"] if steady else 0,
                             "max": max((s["rss_kib"] for s in samples), default=0),
                             "end": samples[-1]["rss_kib"] if samples else 0}
        if steady:
            growth = max(s["rss_kib"] for s in steady) - steady[0]["rss_kib"]
            report["rss_kib"]["growth_after_warmup"] = growth
            if growth > RSS_GROWTH_KIB:
                problems.append(f"resident memory grew {growth} KiB after the warm-up "
                                f"(at most {RSS_GROWTH_KIB})")
        entries = {}
        for s in samples:
            for n, v in s.get("maps", {}).items():
                entries.setdefault(n, []).append(v)
        report["map_entries"] = {n: {"max": max(v), "last": v[-1]} for n, v in entries.items()}
        for i, (n, cap) in maps.items():
            if n in entries and (min(entries[n]) < 0 or max(entries[n]) > cap):
                problems.append(f"map {n}: {max(entries[n])} entries, bound {cap}")
        events = total_d + total_l
        report["events"] = events
        report["events_per_s"] = round(events / wall) if wall else 0
        report["cpu_share"] = round(cpu / wall, 3) if wall else 0
        report["cpu_us_per_event"] = round(cpu * 1e6 / events, 3) if events else 0
        if report["cpu_share"] > CPU_SHARE:
            problems.append(f"procsnoop used {report['cpu_share']:.0%} of a CPU "
                            f"(at most {CPU_SHARE:.0%})")
        log(json.dumps({k: v for k, v in report.items() if k != "problems"}, indent=1))
        for p in problems:
            log("soak problem: " + p)
        return report
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if os.path.isdir(cg):
            # stress-ng's stragglers, if any, leave with the cgroup.
            try:
                with open(os.path.join(cg, "cgroup.procs")) as f:
                    for pid in f.read().split():
                        os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
            for _ in range(50):
                try:
                    os.rmdir(cg)
                    break
                except OSError:
                    time.sleep(0.1)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 600)))
    ap.add_argument("--buffer-size", default=os.environ.get("SOAK_BUFFER_SIZE") or None)
    ap.add_argument("--report", help="write the report as JSON to this file")
    a = ap.parse_args()
    report = soak(a.seconds, a.buffer_size)
    if a.report:
        with open(a.report, "w") as f:
            json.dump(report, f, indent=1)
    print("soak: " + ("passed" if not report["problems"] else
                      f"failed ({len(report['problems'])} problems)"))
    sys.exit(1 if report["problems"] else 0)


if __name__ == "__main__":
    main()
