"""What each guest check must show: the exact fields of the events the actor caused.

A check's input is what tests/kernels/init.sh framed for it: the actor's facts
(key=value), procsnoop's stdout, stderr and exit status, and for metrics the scrape.  A
failed assertion raises CheckFailed with one line that says why, followed by procsnoop's
own stderr (the libbpf error, usually), cut short.
"""
import json
import re

ACTOR_COMM = "guest_actor"
ACTOR_PATH = "/opt/guest_actor"
OPEN_DIR = "/tmp/kdir"
# Every check init.sh runs, in its order.
CHECKS = ("sig", "open", "exec", "exit", "stream", "metrics", "container", "run", "run-seed001",
          "run-tc", "run-xdp", "run-ids", "run-profile", "command", "nobtf")
# init.sh's fake podman container, made once procsnoop traces: --container 3f6d1e0b8c2a.
CONTAINER_ID = "3f6d1e0b8c2a4f5e9d7c6b5a4938271605f4e3d2c1b0a9f8e7d6c5b4a3928170"


class CheckFailed(Exception):
    pass


def stderr_excerpt(err, limit=400):
    """procsnoop's stderr on one line, the lines that say what went wrong first."""
    lines = [l.strip() for l in err.splitlines() if l.strip()]
    if not lines:
        return "(stderr empty)"
    # libbpf's refusal is what explains a failed load; its debug chatter does not.
    key = [l for l in lines if re.search(r"error|fail|not found|invalid|-E[A-Z]+|refus", l, re.I)]
    text = " | ".join(key[:4] or lines[-4:])
    return text if len(text) <= limit else text[:limit - 3] + "..."


class Run:
    """One check's sections, parsed."""

    def __init__(self, name, parts, release):
        self.name = name
        self.parts = parts
        # (5, 10) from "5.10.0-32-amd64", the guest's uname -r.
        m = re.match(r"(\d+)\.(\d+)", release or "")
        self.version = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
        self.err = parts.get("stderr", "")
        self.notes = "; ".join(l for l in parts.get("notes", "").splitlines() if l.strip())
        self.facts = {}
        for line in parts.get("facts", "").splitlines():
            k, sep, v = line.partition("=")
            if sep:
                self.facts[k] = v
        self.status = parts.get("status", "").strip()

    def fail(self, why):
        raise CheckFailed(f"{why}; stderr: {stderr_excerpt(self.err)}")

    def fact(self, key):
        if key not in self.facts:
            self.fail(f"the actor did not report {key} (facts: {self.facts}; {self.notes})")
        return int(self.facts[key]) if re.fullmatch(r"-?\d+", self.facts[key]) else self.facts[key]

    def events(self):
        """Every stdout line as JSON: each must parse and be an object with a type."""
        out = []
        for n, line in enumerate(self.parts.get("stdout", "").splitlines(), 1):
            try:
                ev = json.loads(line)
            except ValueError as e:
                self.fail(f"stdout line {n} is not JSON ({e}): {line[:120]!r}")
            if not isinstance(ev, dict) or "type" not in ev:
                self.fail(f"stdout line {n} is not an event object: {line[:120]!r}")
            out.append(ev)
        return out

    def one(self, events, what, pred):
        found = [e for e in events if pred(e)]
        if len(found) != 1:
            self.fail(f"expected one {what}, got {len(found)}: {json.dumps(found[:2])[:300]}")
        return found[0]

    def expect(self, event, what, **fields):
        for k, v in fields.items():
            if k not in event:
                self.fail(f"{what}: no {k!r} in {json.dumps(event)[:300]}")
            if event[k] != v:
                self.fail(f"{what}: {k} is {event[k]!r}, expected {v!r}")


def traced(run, extra_stderr=()):
    """procsnoop traced, the actor ran, and procsnoop stopped cleanly on SIGINT: exit status
    0, nothing lost, and no stderr line beyond the expected ones."""
    if "status" not in run.parts:
        run.fail(f"no result from the guest ({run.notes})")
    if "procsnoop: tracing" not in run.err:
        run.fail(f"exit status {run.status} before tracing ({run.notes})")
    if run.fact("actor_status") != 0:
        run.fail(f"the actor failed: exit {run.fact('actor_status')} ({run.notes})")
    if run.status != "0":
        when = "before" if "exited before SIGINT" in run.notes else "after"
        run.fail(f"exit status {run.status} {when} SIGINT ({run.notes})")
    lines = [l for l in run.err.splitlines() if l.strip()]
    summary = [l for l in lines if re.match(r"procsnoop: \d+ events, ", l)]
    if len(summary) != 1 or not re.match(r"procsnoop: \d+ events, 0 lost(, \d+ trace_pipe lines)?$",
                                         summary[0]):
        run.fail(f"summary is {summary}, expected '... events, 0 lost'")
    allowed = re.compile("|".join([r"procsnoop: tracing .*, Ctrl-C to stop$",
                                   r"procsnoop: \d+ events, ", *extra_stderr]))
    stray = [l for l in lines if not allowed.match(l)]
    if stray:
        run.fail(f"unexpected stderr lines: {stray[:3]}")


def in_own_namespaces(run, pid):
    """The header's namespace fields of an event of the actor (the guest's first namespaces)."""
    return dict(ns_pid=pid, ns_tid=pid, pidns=run.fact("pidns"), mntns=run.fact("mntns"))


def assert_sig(run, events):
    pid, target, probed = run.fact("pid"), run.fact("sig_target"), run.fact("probe_target")
    if run.fact("sig_ret") != 0 or run.fact("probe_ret") != 0:
        run.fail(f"the actor's kill() failed: {run.facts}")
    ev = run.one(events, f"SIGUSR1 event from pid {pid}",
                 lambda e: e["type"] == "sig" and e.get("pid") == pid and e.get("signo") == 10)
    run.expect(ev, "kill(SIGUSR1)", sig="SIGUSR1", signo=10, tid=pid, comm=ACTOR_COMM,
               target_pid=target, target_tid=0, target_comm=ACTOR_COMM, source="kill", ret=0,
               error=None, result="delivered", code=0, target_ns_pid=target,
               target_ns_tid=target, **in_own_namespaces(run, pid))
    ev = run.one(events, f"signal 0 event from pid {pid}",
                 lambda e: e["type"] == "sig" and e.get("pid") == pid and e.get("signo") == 0)
    run.expect(ev, "kill(0)", sig="0", signo=0, target_pid=probed, source="kill", ret=0,
               error=None, result=None, target_ns_pid=None, target_ns_tid=None)


def assert_open(run, events, full_path=True):
    """full_path: procsnoop open --full-path; the stream has no open options (null)."""
    pid, fd = run.fact("pid"), run.fact("open_fd")
    if fd < 0 or run.fact("open_missing_errno") != 2:
        run.fail(f"the actor's opens did not go as planned: {run.facts}")
    ev = run.one(events, f"open of rel/file by pid {pid}",
                 lambda e: e["type"] == "open" and e.get("pid") == pid
                 and e.get("path") == "rel/file")
    run.expect(ev, "open(rel/file)", syscall="openat", fd=fd, ret=fd, error=None, dirfd=-100,
               flags="O_RDONLY", mode=None, truncated=None, comm=ACTOR_COMM,
               full_path=OPEN_DIR + "/rel/file" if full_path else None,
               **in_own_namespaces(run, pid))
    ev = run.one(events, f"open of rel/missing by pid {pid}",
                 lambda e: e["type"] == "open" and e.get("pid") == pid
                 and e.get("path") == "rel/missing")
    run.expect(ev, "open(rel/missing)", syscall="openat", fd=None, ret=-2, error="ENOENT",
               full_path=OPEN_DIR + "/rel/missing" if full_path else None)


def assert_exec(run, events, failed_too=True):
    """failed_too: procsnoop exec -x; without it (the stream) a failed exec is not shown."""
    pid, child, failed = run.fact("pid"), run.fact("exec_pid"), run.fact("exec_fail_pid")
    ev = run.one(events, f"exec event of pid {child}",
                 lambda e: e["type"] == "exec" and e.get("pid") == child)
    run.expect(ev, "execve(self)", syscall="execve", ret=0, error=None,
               filename=run.fact("exec_filename"), comm=ACTOR_COMM, old_comm=ACTOR_COMM,
               ppid=pid, argc=4, args=["guest_actor", "noop", "two words", "x"],
               args_truncated=False, **in_own_namespaces(run, child))
    if not failed_too:
        if any(e["type"] == "exec" and e.get("pid") == failed for e in events):
            run.fail(f"a failed exec (pid {failed}) is shown without -x")
        return
    ev = run.one(events, f"failed exec event of pid {failed}",
                 lambda e: e["type"] == "exec" and e.get("pid") == failed)
    run.expect(ev, "execve(missing)", syscall="execve", ret=-2, error="ENOENT",
               filename=run.fact("exec_fail_filename"), comm=ACTOR_COMM, ppid=pid, argc=2,
               args=["missing-program", "y"], args_truncated=False)


def assert_exit(run, events):
    pid = run.fact("pid")
    ev = run.one(events, f"exit event of pid {run.fact('exit3_pid')}",
                 lambda e: e["type"] == "exit" and e.get("pid") == run.fact("exit3_pid"))
    run.expect(ev, "_exit(3)", exit_code=3, sig=None, signo=None, core_dumped=False,
               status=3 << 8, ppid=pid, thread=False, comm=ACTOR_COMM)
    ev = run.one(events, f"exit event of pid {run.fact('killed_pid')}",
                 lambda e: e["type"] == "exit" and e.get("pid") == run.fact("killed_pid"))
    run.expect(ev, "SIGKILL", exit_code=None, sig="SIGKILL", signo=9, core_dumped=False,
               status=9, ppid=pid)
    ev = run.one(events, f"exit event of pid {pid}",
                 lambda e: e["type"] == "exit" and e.get("pid") == pid)
    run.expect(ev, "the actor's exit", exit_code=0, sig=None, filename=ACTOR_PATH,
               **in_own_namespaces(run, pid))
    # Pid 1 of a pid namespace of its own.
    if run.fact("nested_status") != 5:
        run.fail(f"the nested child did not exit 5: {run.facts}")
    ev = run.one(events, f"exit event of pid {run.fact('nested_pid')}",
                 lambda e: e["type"] == "exit" and e.get("pid") == run.fact("nested_pid"))
    run.expect(ev, "_exit(5) in a new pid namespace", exit_code=5, ns_pid=1, ns_tid=1,
               pidns=run.fact("nested_pidns"), mntns=run.fact("mntns"))


def check_stream(run):
    traced(run)
    events = run.events()
    assert_sig(run, events)
    assert_open(run, events, full_path=False)
    assert_exec(run, events, failed_too=False)
    assert_exit(run, events)
    # The sig workload's target died of the SIGUSR1 it was sent.
    ev = run.one(events, f"exit event of pid {run.fact('sig_target')}",
                 lambda e: e["type"] == "exit" and e.get("pid") == run.fact("sig_target"))
    run.expect(ev, "death by SIGUSR1", exit_code=None, sig="SIGUSR1", signo=10)
    ts = [e["ts_ns"] for e in events if "ts_ns" in e]
    if ts != sorted(ts):
        run.fail("the stream is not in time order (ts_ns goes back)")


def check_container(run):
    """The stream of a container's actor: every event of it, and only of it."""
    waiting = r"procsnoop: no running container matches --container 3f6d1e0b8c2a: waiting for it$"
    started = (r"procsnoop: container 3f6d1e0b8c2a started, matching --container 3f6d1e0b8c2a: "
               r"tracing it$")
    traced(run, extra_stderr=[waiting, started])
    for line in (waiting, started):
        if len([l for l in run.err.splitlines() if re.match(line, l)]) != 1:
            run.fail(f"stderr does not say once: {line}")
    events = run.events()
    assert_sig(run, events)
    assert_open(run, events, full_path=False)
    assert_exec(run, events, failed_too=False)
    assert_exit(run, events)
    for e in events:
        run.expect(e, f"{e['type']} event of pid {e.get('pid')}", container_id=CONTAINER_ID,
                   container_runtime="podman")


def metric_values(run, text):
    """{'name{labels}': value} of a Prometheus text exposition."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            try:
                out[key] = float(value)
            except ValueError:
                run.fail(f"the scrape has a line that is no sample: {line[:120]!r}")
    return out


def check_metrics(run):
    traced(run, extra_stderr=[r"procsnoop: serving metrics at http://127\.0\.0\.1:\d+/metrics$"])
    if run.parts.get("stdout", ""):
        run.fail(f"-q printed on stdout: {run.parts['stdout'][:120]!r}")
    if not run.parts.get("metrics"):
        run.fail(f"the scrape returned nothing ({run.notes})")
    values = metric_values(run, run.parts["metrics"])
    for t in ("sig", "open", "exec", "exit"):
        if values.get(f'procsnoop_events_total{{type="{t}"}}', 0) <= 0:
            run.fail(f'procsnoop_events_total{{type="{t}"}} is not above 0 after the workload')
        for where in ("kernel", "user"):
            key = f'procsnoop_lost_events_total{{type="{t}",where="{where}"}}'
            if values.get(key) != 0:
                run.fail(f"{key} is {values.get(key)}, expected 0")
    key = 'procsnoop_sig_events_total{sig="SIGUSR1",source="kill",error="",result="delivered"}'
    if values.get(key, 0) < 1:
        run.fail(f"{key} is {values.get(key)}, expected at least 1")


def printk_lines(run, per_kill):
    """The actor's bpf_printk lines must be per_kill(signo, target) for each of its kills,
    in order: SIGUSR1 to its target, 0 and SIGKILL to the probed child."""
    traced(run)
    pid = run.fact("pid")
    ours = [e for e in run.events() if e.get("pid") == pid]
    for e in ours:
        run.expect(e, "bpf_printk", type="printk", comm=ACTOR_COMM)
    got = [e.get("msg") for e in ours]
    want = [line for signo, target in ((10, run.fact("sig_target")), (0, run.fact("probe_target")),
                                       (9, run.fact("probe_target")))
            for line in per_kill(signo, target)]
    if got != want:
        run.fail(f"printk lines of pid {pid}: {got}, expected {want}")


def check_run(run):
    """seed000: one bpf_printk of five arguments, which needs bpf_trace_vprintk (5.16): an
    older kernel lacks the helper, and procsnoop run must say so in one line, exit 2."""
    if run.version < (5, 16):
        lines = [l for l in run.err.splitlines() if l.strip()]
        if run.status != "2" or len(lines) != 1 or "needs a newer kernel" not in lines[0]:
            run.fail(f"on {run.version[0]}.{run.version[1]} (no bpf_trace_vprintk) expected one "
                     f"line '... needs a newer kernel' and exit status 2, got exit {run.status}")
        return
    printk_lines(run, lambda signo, target: [
        f"PID {run.fact('pid')} ({ACTOR_COMM}) sent signal {signo} to PID {target}, ret = 0"])


def check_run_seed001(run):
    """seed001: the same message in two bpf_printk calls of three arguments: any kernel.
    (The first ends in a space, which procsnoop trims, here as on the host.)"""
    printk_lines(run, lambda signo, target: [
        f"PID {run.fact('pid')} ({ACTOR_COMM}) sent signal {signo}",
        f"to PID {target}, ret = 0"])


PREBUILT = r"procsnoop run: /opt/\w+\.bpf\.o is a prebuilt object: records its ring buffers "


def udp_events(run, typ, attached):
    """The actor's datagrams, each seen once with its sizes; the attach line as expected."""
    traced(run, extra_stderr=(PREBUILT, re.escape(attached)))
    if not any(l.startswith(attached) for l in run.err.splitlines()):
        run.fail(f"no line '{attached}...'")
    evs = [e for e in run.events() if e.get("type") == typ]
    size, n = run.fact("udp_size"), run.fact("udp_count")
    if len(evs) != n:
        run.fail(f"{len(evs)} {typ} events, expected {n}: {evs[:2]}")
    return evs, size


def check_run_ids(run):
    """ids.bpf.o, compiled with the runner's prelude: the actor's kill(SIGUSR1) comes three
    ways (ring buffer reservation, bpf_ringbuf_output, perf buffer), each with the program's
    own fields intact and the container of the actor's cgroup."""
    traced(run)
    pid = run.fact("pid")
    evs = [e for e in run.events() if e.get("type") == "event" and e.get("pid") == pid]
    if sorted(e.get("via") for e in evs) != ["VIA_OUTPUT", "VIA_PERF", "VIA_RESERVE"]:
        run.fail(f"expected one event each way from pid {pid}, got {json.dumps(evs)[:400]}")
    for e in evs:
        run.expect(e, f"the event through {e['via']}", sig=10, comm=ACTOR_COMM[:11],
                   container_id=CONTAINER_ID, container_runtime="podman", container_name=None,
                   image=None, pod_uid=None)


def check_run_profile(run):
    """profile.bpf.o (procsnoop run --build's, with ecli's @intepreter): a perf_event program
    on every CPU, sampling the actor spinning in procsnoop_spin and in read() of /dev/zero;
    its stacks named from the guest's kallsyms and the actor's own symbols."""
    traced(run, extra_stderr=[r"procsnoop run: attached profile to a CPU clock on \d+ CPUs, "
                              r"99 samples a second each$"])
    pid = run.fact("pid")
    evs = [e for e in run.events() if e.get("type") == "stacktrace_event" and e["pid"] == pid]
    user = {f for e in evs for f in e["ustack"]}
    kernel = {f for e in evs for f in e["kstack"]}
    if not any(re.fullmatch(r"procsnoop_spin\+0x[0-9a-f]+ \(guest_actor\)", f) for f in user):
        run.fail(f"{len(evs)} samples of pid {pid}; no procsnoop_spin in their user stacks: "
                 f"{sorted(user)[:8]}")
    if not any(f.startswith("read_zero+0x") for f in kernel):
        run.fail(f"{len(evs)} samples of pid {pid}; no read_zero in their kernel stacks: "
                 f"{sorted(kernel)[:8]}")


def check_run_tc(run):
    """tc through tcx from 6.6 on; before, a clsact filter, which needs the sch_ingress and
    cls_bpf modules this module-less guest lacks: one line that says so, exit status 1."""
    if run.version < (6, 6):
        lines = [l for l in run.err.splitlines() if l.strip() and not re.match(PREBUILT, l)]
        if run.status != "1" or len(lines) != 1 or "clsact" not in lines[0] or \
                "tcx" in run.err:
            run.fail(f"on {run.version[0]}.{run.version[1]} (no tcx) expected one line about the "
                     f"clsact fallback and exit status 1, got exit {run.status}")
        return
    evs, size = udp_events(run, "packet",
                           "procsnoop run: attached tc_ingress to lo (ifindex 1) ingress through tcx")
    for e in evs:
        run.expect(e, "tc packet", ifindex=1, ingress=1, ip_len=size + 28, udp_len=size + 8,
                   dport=run.fact("udp_port"), ttl=64)


def check_run_xdp(run):
    """xdp through a bpf_link on every kernel: lo has no native xdp, so generic mode."""
    evs, size = udp_events(run, "frame", "procsnoop run: attached xdp_pass to lo (ifindex 1) "
                           "through xdp in generic (skb) mode")
    for e in evs:
        run.expect(e, "xdp frame", ifindex=1, size=size + 42, udp_len=size + 8,
                   dport=run.fact("udp_port"))


def check_nobtf(run):
    """Without kernel BTF: one line on stderr, exit status 1, nothing on stdout."""
    if "status" not in run.parts:
        raise CheckFailed(f"no result from the guest ({run.notes})")
    lines = [l for l in run.err.splitlines() if l.strip()]
    if run.status != "1" or len(lines) != 1 or run.parts.get("stdout"):
        raise CheckFailed(f"expected one stderr line and exit status 1, got exit {run.status} "
                          f"and {len(lines)} lines: {stderr_excerpt(run.err)}")


def tree_pids(nodes):
    for n in nodes:
        yield n["pid"]
        yield from tree_pids(n["children"])


def check_command(run):
    """procsnoop --tree -- sh -c 'ACTOR all ...': the stream's events, all of the tree's
    processes only, procsnoop's exit status the command's, and the tree at the end."""
    if "status" not in run.parts:
        run.fail(f"no result from the guest ({run.notes})")
    if run.fact("actor_status") != 0:
        run.fail(f"the actor failed: exit {run.fact('actor_status')} ({run.notes})")
    if run.status != "0":
        run.fail(f"exit status {run.status}, expected the command's 0 ({run.notes})")
    if not re.search(r"^procsnoop: \d+ events, 0 lost; sh exited with 0$", run.err, re.M):
        run.fail("no summary '... events, 0 lost; sh exited with 0'")
    events = run.events()
    tree = events.pop()
    run.expect(tree, "the last line, the tree", type="tree", complete=True)
    [root] = [p for p in tree["processes"] if p["pid"] == tree["root_pid"]] or [None]
    if not root:
        run.fail(f"the tree has no root: {json.dumps(tree)[:300]}")
    run.expect(root, "the tree's root", comm="sh", exit_code=0)
    actor = [c for c in root["children"] if c["comm"] == ACTOR_COMM]
    if len(actor) != 1 or actor[0]["execs"][0]["filename"] != ACTOR_PATH:
        run.fail(f"the root's children are not the actor: {json.dumps(root['children'])[:300]}")
    # The image ids link the actor's exec to the shell's, and name the actor's events.
    sh = run.one(events, "exec of the shell", lambda e: e["type"] == "exec" and e["pid"] == root["pid"])
    act = run.one(events, "exec of the actor",
                  lambda e: e["type"] == "exec" and e["pid"] == actor[0]["pid"])
    run.expect(act, "the actor's exec", parent_exec_id=sh["exec_id"])
    if not re.fullmatch(rf"[1-9]\d*:{act['pid']}:\d+", act["exec_id"] or ""):
        run.fail(f"the actor's exec_id is {act['exec_id']!r}")
    mine = [e for e in events if e["pid"] == act["pid"] and e["exec_id"] != act["exec_id"]]
    if mine:
        run.fail(f"events of the actor with another exec_id: {json.dumps(mine[:2])[:300]}")
    pids = set(tree_pids(tree["processes"]))
    outside = [e for e in events if e["pid"] not in pids]
    if outside:
        run.fail(f"events from outside the tree: {json.dumps(outside[:2])[:300]}")
    assert_sig(run, events)
    assert_open(run, events, full_path=False)
    assert_exec(run, events, failed_too=False)
    assert_exit(run, events)


def simple(assertion):
    def check(run):
        traced(run)
        assertion(run, run.events())
    return check


JUDGES = {
    "sig": simple(assert_sig),
    "open": simple(assert_open),
    "exec": simple(assert_exec),
    "exit": simple(assert_exit),
    "stream": check_stream,
    "metrics": check_metrics,
    "container": check_container,
    "run": check_run,
    "run-seed001": check_run_seed001,
    "run-tc": check_run_tc,
    "run-xdp": check_run_xdp,
    "run-ids": check_run_ids,
    "run-profile": check_run_profile,
    "command": check_command,
    "nobtf": check_nobtf,
}


def judge(name, parts, release):
    """Raises CheckFailed unless check `name` passed on the guest kernel `release`."""
    JUDGES[name](Run(name, parts, release))
