"""Container identity in JSON events (container_id, container_runtime, pod_uid), the table's
CONTAINER column and metrics labels: real cgroup v2 directories named as podman, containerd
under Kubernetes and a plain service name them, a real process moved into each, its events read
back through the kernel's cgroup id.  And --container, the kernel's filter by container id or
name, on such cgroups and on real podman containers."""
import os
import shutil
import subprocess
import tempfile
import time

from harness import ROOT, Trace, assert_fields, usage_error
from test_metrics import Exporter

TRACERS = ("sig", "open", "exec", "exit")


def cgroup2_mount():
    with open("/proc/self/mounts") as f:
        for line in f:
            fields = line.split()
            if fields[2] == "cgroup2":
                return fields[1]
    raise AssertionError("no cgroup2 mount")


class Cgroup:
    """Directories below the cgroup2 mount, made now and removed at the end (deepest first)."""

    def __init__(self, *parts, exists=0):
        """The first `exists` parts are there already (another Cgroup's) and stay."""
        self.dirs = []
        path = cgroup2_mount()
        for i, p in enumerate(parts):
            path = os.path.join(path, p)
            if i >= exists:
                os.mkdir(path)
                self.dirs.append(path)
        self.path = path

    def run(self, *argv):
        """Runs argv inside the cgroup to its end; returns its pid."""
        p = subprocess.Popen(["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', self.path,
                              *argv], stdout=subprocess.DEVNULL)
        assert p.wait(timeout=30) == 0
        return p.pid

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for d in reversed(self.dirs):
            os.rmdir(d)


def opened(cg, *trace_args):
    """The JSON event of cat opening /etc/hostname inside cgroup cg."""
    with Trace("open", "--cgroup", cg.path, *trace_args) as tr:
        pid = cg.run("cat", "/etc/hostname")
        [e] = tr.wait_for(lambda e: e["pid"] == pid and e["path"] == "/etc/hostname")
        assert tr.stop() == 0
    assert e["cgroup_id"] == os.stat(cg.path).st_ino
    return e


def test_podman_container():
    cid = os.urandom(32).hex()
    with Cgroup(f"procsnoop-e2e-{os.getpid()}.slice", f"libpod-{cid}.scope") as cg:
        assert_fields(opened(cg), container_id=cid, container_runtime="podman", pod_uid=None)


def test_kubernetes_pod_container():
    cid, uid = os.urandom(32).hex(), "6c9f5b1e-2a3d-4e8f-9b0c-1d2e3f4a5b6c"
    with Cgroup(f"procsnoop-e2e-{os.getpid()}.slice",
                f"kubepods-burstable-pod{uid.replace('-', '_')}.slice",
                f"cri-containerd-{cid}.scope") as cg:
        assert_fields(opened(cg), container_id=cid, container_runtime="containerd", pod_uid=uid)


def test_not_a_container():
    with Cgroup(f"procsnoop-e2e-{os.getpid()}.service") as cg:
        assert_fields(opened(cg), container_id=None, container_runtime=None, pod_uid=None)


def table(text):
    """The rows of a table as {COLUMN: cell}; the last column takes the rest of the line."""
    header, *rows = text.splitlines()
    cols = header.split()
    return cols, [dict(zip(cols, r.split(None, len(cols) - 1))) for r in rows if r.strip()]


def test_table_container_column():
    """--containers: the short id of each form, and - outside a container, in one table."""
    pod = f"procsnoop-e2e-{os.getpid()}.slice"
    cid, kid = os.urandom(32).hex(), os.urandom(32).hex()
    uid = "0d5c7e1f-3b2a-4c9d-8e7f-6a5b4c3d2e1f"
    with Cgroup(pod, f"libpod-{cid}.scope") as podman_cg, \
            Cgroup(pod.replace(".slice", "-k.slice"),
                   f"kubepods-besteffort-pod{uid.replace('-', '_')}.slice",
                   f"crio-{kid}.scope") as crio_cg, \
            Cgroup(pod.replace(".slice", ".service")) as plain_cg, \
            Trace("open", "--containers", "--prefix", "/etc/hostname", json_output=False) as tr:
        pids = {cg.run("cat", "/etc/hostname"): want
                for cg, want in ((podman_cg, cid[:12]), (crio_cg, kid[:12]), (plain_cg, "-"))}
        for pid in pids:
            tr.wait_for(lambda l: l.split()[:1] == [str(pid)])
        assert tr.stop() == 0
    cols, rows = table(tr.text())
    assert cols == ["PID", "TID", "COMM", "CONTAINER", "FD", "ERR", "PATH"], cols
    got = {int(r["PID"]): r for r in rows if int(r["PID"]) in pids}
    for pid, want in pids.items():
        assert_fields(got[pid], COMM="cat", CONTAINER=want, ERR="-", PATH="/etc/hostname")


def test_metrics_container_labels_and_the_cap():
    """--metrics-labels container_id,container_runtime: a series for each container's open
    until --metrics-max-series, then the overflow series."""
    base = f"procsnoop-e2e-{os.getpid()}.slice"
    ids = [os.urandom(32).hex() for _ in range(3)]
    # One parent: --cgroup keeps every other process's opens out of the series.
    with Cgroup(base) as parent, \
            Cgroup(base, f"libpod-{ids[0]}.scope", exists=1) as a, \
            Cgroup(base, f"docker-{ids[1]}.scope", exists=1) as b, \
            Cgroup(base, f"crio-{ids[2]}.scope", exists=1) as c, \
            Exporter("open", "-q", "--cgroup", parent.path, "--prefix", "/etc/hostname",
                     "--metrics-labels", "container_id,container_runtime",
                     "--metrics-max-series", "2") as ex:
        for cg in (a, b, c):
            cg.run("cat", "/etc/hostname")
        deadline = time.monotonic() + 10
        while True:
            s = ex.samples()
            if s.get('procsnoop_events_total{type="open"}') == 3 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert ex.stop() == 0
    fam = {k: v for k, v in s.items() if k.startswith("procsnoop_open_events_total")}
    assert fam == {
        'procsnoop_open_events_total{syscall="openat",error="",'
        f'container_id="{ids[0]}",container_runtime="podman"}}': 1,
        'procsnoop_open_events_total{syscall="openat",error="",'
        f'container_id="{ids[1]}",container_runtime="docker"}}': 1,
        'procsnoop_open_events_total{overflow="true"}': 1,
    }, fam


def test_metrics_label_that_is_no_field():
    line = usage_error("open", "--metrics", "0", "--metrics-labels", "container_name,containr")
    assert "unknown metrics label 'containr'" in line and "container_name" in line, line


def test_container_after_privileges_are_dropped():
    """As nobody, open_by_handle_at is refused: the ids are found by walking the tree."""
    cid = os.urandom(32).hex()
    with Cgroup(f"procsnoop-e2e-{os.getpid()}.slice", f"docker-{cid}.scope") as cg:
        assert_fields(opened(cg, "--user", "nobody"), container_id=cid,
                      container_runtime="docker")


# ---- real containers: Debian's podman with runc, offline ----------------------------------

# One per test process: a test run beside another one never removes the other's image.
IMAGE = f"localhost/procsnoop-e2e-{os.getpid()}:latest"
# This machine lacks CAP_SYS_RESOURCE, so podman's default limits fail; crun refuses hybrid
# cgroups; there is no network to reach.
RUN = ["podman", "run", "--runtime", "runc", "--ulimit", "nofile=20000:20000", "--ulimit",
       "nproc=32768:32768", "--network", "none"]


def podman(*args):
    p = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, (args, p.stderr[-2000:])
    return p.stdout.strip()


_image_users = 0


def image_acquire():
    """The busybox image, imported for the first container that needs it."""
    global _image_users
    if _image_users == 0:
        root = tempfile.mkdtemp()
        try:
            os.makedirs(os.path.join(root, "bin"))
            os.makedirs(os.path.join(root, "etc"))
            shutil.copy("/bin/busybox", os.path.join(root, "bin", "busybox"))
            for applet in ("sh", "cat", "sleep", "kill", "true"):
                os.symlink("busybox", os.path.join(root, "bin", applet))
            subprocess.run(["tar", "-C", root, "-cf", root + ".tar", "."], check=True)
            podman("import", root + ".tar", IMAGE)
        finally:
            shutil.rmtree(root)
            if os.path.exists(root + ".tar"):
                os.unlink(root + ".tar")
    _image_users += 1


def image_release():
    """Removes the image once no container of this process needs it any more."""
    global _image_users
    _image_users -= 1
    if _image_users == 0:
        subprocess.run(["podman", "rmi", "-f", IMAGE], capture_output=True, timeout=120)
        assert IMAGE not in podman("images", "--format", "{{.Repository}}:{{.Tag}}").split()


class Container:
    """An image of busybox alone (podman import of a root the test makes), and a named
    container of it running SCRIPT (now, or at start()); both removed at the end, and nothing
    of them left. Several may run side by side: their names end in SUFFIX."""

    def __init__(self, script, suffix="", start=True):
        self.name = f"procsnoop-e2e-{os.getpid()}{suffix}"
        self.script = script
        self.id = self.pid = None
        image_acquire()
        try:
            if start:
                self.start()
        except BaseException:
            self.__exit__()
            raise

    def start(self):
        self.id = podman(*RUN[1:], "-d", "--name", self.name, IMAGE, "/bin/sh", "-c",
                         self.script)
        self.pid = int(podman("inspect", "-f", "{{.State.Pid}}", self.name))
        self.cgroup = open(f"/proc/{self.pid}/cgroup").read()
        self.pidns = os.stat(f"/proc/{self.pid}/ns/pid").st_ino

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        subprocess.run(["podman", "rm", "-f", "-t", "0", self.name], capture_output=True,
                       timeout=120)
        assert self.name not in podman("ps", "-a", "--format", "{{.Names}}").split()
        image_release()


def test_podman_container_every_tracer():
    """A real container's process opens, execs, signals itself and exits: every event says
    which container, by the id, name and image podman gives, and which pid inside."""
    # The shell waits for /go, which the test makes once every tracer is attached: a cat
    # that started before would show only the events whose tracer was attached in time.
    script = ('trap "" USR1; while [ ! -e /go ]; do sleep 0.05; done; '
              'while :; do cat /etc/hostname >/dev/null; kill -USR1 $$; sleep 0.2; done')
    with Container(script) as c, Trace("--pidns", str(c.pidns)) as tr:
        assert len(c.id) == 64 and f"libpod-{c.id}" in c.cgroup, (c.id, c.cgroup)
        open(f"/proc/{c.pid}/root/go", "w").close()
        want = dict(container_id=c.id, container_name=c.name, image=IMAGE,
                    container_runtime="podman", pod_uid=None, pidns=c.pidns)
        o = tr.wait_for(lambda e: e["type"] == "open" and e["path"] == "/etc/hostname",
                        timeout=10)[0]
        assert_fields(o, comm="cat", **want)
        assert o["ns_pid"] > 1 and o["ppid"] == c.pid
        [x] = tr.wait_for(lambda e: e["type"] == "exec" and e["pid"] == o["pid"])
        assert_fields(x, **want)
        [q] = tr.wait_for(lambda e: e["type"] == "exit" and e["pid"] == o["pid"])
        assert_fields(q, ns_pid=o["ns_pid"], **want)
        s = tr.wait_for(lambda e: e["type"] == "sig" and e["sig"] == "SIGUSR1")[0]
        # kill's argument is the pid inside (1); the target is the container's shell.
        assert_fields(s, pid=c.pid, ns_pid=1, target_pid=1, target_ns_pid=1, target_ns_tid=1,
                      result="ignored", **want)
        assert tr.stop() == 0


def test_podman_container_table_and_metrics():
    """A real container's name in the table of one tracer (--containers), in the combined
    stream's, and as the container_name label of every series its events are counted in."""
    script = ('trap "" USR1; while [ ! -e /go ]; do sleep 0.05; done; '
              'for i in 1 2 3; do cat /etc/hostname >/dev/null; kill -USR1 $$; done; '
              'sleep 1000')
    with Container(script) as c:
        ns = str(c.pidns)
        with Trace("--pidns", ns, json_output=False) as stream, \
                Trace("open", "--containers", "--pidns", ns, json_output=False) as opens, \
                Exporter("--pidns", ns, "-q", "--metrics-labels", "container_name") as ex:
            open(f"/proc/{c.pid}/root/go", "w").close()
            stream.wait_for(lambda l: " sig " in l and "sig=SIGUSR1" in l, count=3, timeout=10)
            opens.wait_for(lambda l: l.rstrip().endswith(" /etc/hostname"), count=3)
            usr1 = ('procsnoop_sig_events_total{sig="SIGUSR1",source="kill",error="",'
                    f'result="ignored",container_name="{c.name}"}}')
            deadline = time.monotonic() + 10
            while True:
                samples = ex.samples()
                if samples.get(usr1) == 3 or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            for t in (stream, opens, ex):
                assert t.stop() == 0
    cols, rows = table(stream.text())
    assert cols == ["TIME", "TYPE", "PID", "COMM", "CONTAINER", "DETAILS"], cols
    assert rows and all(r["CONTAINER"] == c.name for r in rows), rows
    assert {"exec", "open", "sig", "exit"} <= {r["TYPE"] for r in rows}, rows
    assert sum(r["TYPE"] == "open" and r["DETAILS"].endswith("path=/etc/hostname")
               for r in rows) == 3, rows
    cols, rows = table(opens.text())
    assert cols == ["PID", "TID", "COMM", "CONTAINER", "FD", "ERR", "PATH"], cols
    assert rows and all(r["CONTAINER"] == c.name for r in rows), rows
    assert [r["COMM"] for r in rows if r["PATH"] == "/etc/hostname"] == ["cat"] * 3, rows
    assert samples.get(usr1) == 3, samples
    counted = {k: v for k, v in samples.items() if "_events_total{" in k and
               k.split("{")[0] in [f"procsnoop_{t}_events_total" for t in TRACERS]}
    assert {k.split("{")[0] for k in counted} == {f"procsnoop_{t}_events_total"
                                                  for t in TRACERS}, counted
    assert all(k.endswith(f',container_name="{c.name}"}}') for k in counted), counted


def test_fuzz_json():
    """The JSON reader of the runtimes' state files under libFuzzer (fuzz/fuzz_json.c)."""
    from test_run import fuzz
    fuzz("json")


# ---- --container: the kernel's filter ------------------------------------------------------

def stderr_line(tr, line, timeout=10):
    """Waits until procsnoop's stderr has this line."""
    deadline = time.monotonic() + timeout
    while line + "\n" not in tr.stderr():
        assert time.monotonic() < deadline and tr.proc.poll() is None, \
            f"no line {line!r} on stderr: {tr.stderr()[-1000:]}"
        time.sleep(0.05)


def waiting(value):
    return f"procsnoop: no running container matches --container {value}: waiting for it"


def test_container_filter_fake_cgroups():
    """podman's cgroup form made by hand: a process in a cgroup below the container's is the
    container's; one in another container's is not; a container whose cgroup is made once
    procsnoop traces is matched as soon as it exists."""
    cid, other, late = (os.urandom(32).hex() for _ in range(3))
    tag = f"procsnoop-e2e-{os.getpid()}"
    with Cgroup(f"{tag}-a.slice", f"libpod-{cid}.scope", "sub") as mine, \
            Cgroup(f"{tag}-b.slice", f"libpod-{other}.scope") as theirs, \
            Trace("open", "--container", cid[:10], "--container", late) as tr:
        assert tr.stderr().count("waiting for it") == 1, tr.stderr()
        assert tr.stderr().startswith(waiting(late) + "\n"), tr.stderr()
        p_theirs = theirs.run("cat", "/etc/hostname")
        p_mine = mine.run("cat", "/etc/hostname")
        subprocess.run(["cat", "/etc/hostname"], stdout=subprocess.DEVNULL, check=True)
        [e] = tr.wait_for(lambda e: e["path"] == "/etc/hostname")
        assert_fields(e, pid=p_mine, comm="cat", cgroup_id=os.stat(mine.path).st_ino,
                      container_id=cid, container_runtime="podman")
        with Cgroup(f"{tag}-c.slice", f"libpod-{late}.scope") as later:
            stderr_line(tr, f"procsnoop: container {late[:12]} started, matching --container "
                            f"{late}: tracing it")
            p_late = later.run("cat", "/etc/hostname")
            tr.wait_for(lambda e: e["pid"] == p_late and e["path"] == "/etc/hostname")
        assert tr.stop() == 0
    opened = [e for e in tr.events() if e["path"] == "/etc/hostname"]
    assert [e["pid"] for e in opened] == [p_mine, p_late], (opened, p_theirs)
    assert {e["container_id"] for e in tr.events()} == {cid, late}


# Each container: waits for /go (made once procsnoop traces), then loops: its cat opens
# /etc/hostname, its shell /tick, and it signals itself.
LOOP = ('trap "" USR1; while [ ! -e /go ]; do sleep 0.05; done; '
        'while :; do cat /etc/hostname > /tick; kill -USR1 $$; sleep 0.2; done')


def go(*containers):
    for c in containers:
        open(f"/proc/{c.pid}/root/go", "w").close()


def ticked(c, timeout=10):
    """Waits until the container's loop has run once since go()."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(f"/proc/{c.pid}/root/tick"):
        assert time.monotonic() < deadline, f"{c.name} did not run its loop"
        time.sleep(0.05)


def only_this_container(tr, c, idle):
    """c's events arrive, exact; idle (another container) and the host run the same commands
    meanwhile; none of theirs shows."""
    go(c, idle)
    want = dict(container_id=c.id, container_name=c.name, image=IMAGE, container_runtime="podman")
    o = tr.wait_for(lambda e: e["type"] == "open" and e["path"] == "/etc/hostname", timeout=10)[0]
    assert_fields(o, comm="cat", ppid=c.pid, ret=3, **want)
    [x] = tr.wait_for(lambda e: e["type"] == "exec" and e["pid"] == o["pid"])
    assert_fields(x, ppid=c.pid, args=["cat", "/etc/hostname"], ret=0, **want)
    [q] = tr.wait_for(lambda e: e["type"] == "exit" and e["pid"] == o["pid"])
    assert_fields(q, exit_code=0, ns_pid=o["ns_pid"], **want)
    s = tr.wait_for(lambda e: e["type"] == "sig" and e["sig"] == "SIGUSR1")[0]
    assert_fields(s, pid=c.pid, ns_pid=1, target_pid=1, result="ignored", **want)
    ticked(idle)
    subprocess.run(["cat", "/etc/hostname"], stdout=subprocess.DEVNULL, check=True)
    time.sleep(0.3)
    assert tr.stop() == 0
    strays = [e for e in tr.events() if e["container_id"] != c.id]
    assert not strays, strays[:3]


def test_container_filter_by_name_two_side_by_side():
    with Container(LOOP, "-a") as a, Container(LOOP, "-b") as b, \
            Trace("--container", a.name) as tr:
        assert "waiting for it" not in tr.stderr(), tr.stderr()
        only_this_container(tr, a, idle=b)


def test_container_filter_by_id_prefix():
    """An id's start; a second value that matches nothing yet waits, and says so once."""
    none = f"procsnoop-e2e-{os.getpid()}-none"
    with Container(LOOP, "-a") as a, Container(LOOP, "-b") as b, \
            Trace("--container", b.id[:12], "--container", none) as tr:
        assert [l for l in tr.stderr().splitlines() if "waiting" in l] == [waiting(none)]
        only_this_container(tr, b, idle=a)


def test_container_filter_container_started_later():
    """Named before it exists: procsnoop waits for it, and follows it from its first exec."""
    with Container(LOOP, "-late", start=False) as c, Trace("--container", c.name) as tr:
        assert tr.stderr().startswith(waiting(c.name) + "\n"), tr.stderr()
        c.start()
        go(c)
        want = dict(container_id=c.id, container_name=c.name, container_runtime="podman")
        o = tr.wait_for(lambda e: e["type"] == "open" and e["path"] == "/etc/hostname",
                        timeout=15)[0]
        assert_fields(o, comm="cat", ppid=c.pid, **want)
        # The container's cgroup is made before its process runs: the exec of its command is
        # seen too (podman writes its name to its state before that).
        [x] = tr.wait_for(lambda e: e["type"] == "exec" and e["pid"] == c.pid)
        assert_fields(x, filename="/bin/sh", args=["/bin/sh", "-c", LOOP], ns_pid=1, ret=0,
                      **want)
        assert tr.stop() == 0
    line = (f"procsnoop: container {c.id[:12]} ({c.name}) started, matching --container "
            f"{c.name}: tracing it")
    assert tr.stderr().splitlines().count(line) == 1, tr.stderr()
    assert {e["container_id"] for e in tr.events()} == {c.id}


def test_container_filter_bad_input():
    assert usage_error("--container", "") == "procsnoop: invalid container '': empty"
    assert usage_error("open", "--container", "web/1") == (
        "procsnoop open: invalid container 'web/1': an id or a name has only letters, digits, "
        "'_', '.' and '-'")
    assert usage_error("exec", "--container", ".hidden") == (
        "procsnoop exec: invalid container '.hidden': an id or a name starts with a letter or "
        "a digit")
    assert usage_error("--container", "a" * 256).endswith(": longer than 255 characters")
    many = [a for i in range(17) for a in ("--container", f"c{i}")]
    assert usage_error(*many) == "procsnoop: at most 16 --container options"


STORM = os.path.join(ROOT, "tests", "programs", "storm")
SEED004 = os.path.join(ROOT, "tests", "programs", "seed004", "execsnoop.bpf.c")


def getppid_events(cg, prog, *flags, n=3):
    """procsnoop run PROG's events for n getppid() calls of a python3 inside cgroup cg."""
    code = f"import os, sys\nsys.stdin.readline()\nfor _ in range({n}): os.getppid()\n"
    p = subprocess.Popen(["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec python3 -c "$1"',
                          cg.path, code], stdin=subprocess.PIPE)
    try:
        with Trace("run", os.path.join(STORM, prog), "--target", str(p.pid), *flags) as tr:
            p.stdin.write(b"go\n")
            p.stdin.flush()
            assert p.wait(timeout=30) == 0
            evs = tr.wait_for(lambda e: e["type"] == "event", count=n, timeout=10)
            time.sleep(0.2)
            assert tr.stop() == 0, tr.stderr()
    finally:
        p.kill()
        p.wait()
    assert len(tr.events()) == n and all(e["pid"] == p.pid for e in evs), tr.events()
    return evs


def test_run_records_name_their_writers_container():
    """procsnoop run: a record reserved in a ring buffer, one sent with bpf_ringbuf_output and a
    perf buffer sample each carry the cgroup of the task that wrote it, and name its container;
    a task outside a container has null fields. The program's own fields are unchanged."""
    cid = os.urandom(32).hex()
    with Cgroup(f"procsnoop-e2e-{os.getpid()}.slice", f"libpod-{cid}.scope") as pod, \
            Cgroup(f"procsnoop-e2e-{os.getpid()}.slice", "plain.scope", exists=1) as plain:
        for prog, flags in (("ringstorm.bpf.c", ()), ("ringstorm.bpf.c", ("--", "--use_output")),
                            ("perfstorm.bpf.c", ())):
            for e in getppid_events(pod, prog, *flags):
                assert_fields(e, container_id=cid, container_runtime="podman", pod_uid=None,
                              container_name=None, image=None)
                assert e["tid"] == e["pid"] and e["pad"] == "", e
            for e in getppid_events(plain, prog, *flags):
                assert_fields(e, container_id=None, container_runtime=None, pod_uid=None,
                              container_name=None, image=None)


def test_run_real_container_name_and_image():
    """The tutorial's execsnoop (a perf buffer) under procsnoop run: a real podman container's
    exec names the container as podman does."""
    script = 'while [ ! -e /go ]; do sleep 0.05; done; while :; do cat /etc/hostname; sleep 0.2; done'
    with Container(script) as c, Trace("run", SEED004) as tr:
        open(f"/proc/{c.pid}/root/go", "w").close()
        [e] = tr.wait_for(lambda e: e.get("container_name") == c.name, timeout=10)[:1]
        assert_fields(e, container_id=c.id, image=IMAGE, container_runtime="podman",
                      pod_uid=None, ppid=c.pid, comm="sh")
        assert tr.stop() == 0


# Run again with PROCSNOOP_FEATURES_OFF=all (tests/run.py): 5.10's ancestor cgroup, read with
# CO-RE; and against the sanitized build and under valgrind: the watcher's C code, and the
# resolver behind the table's CONTAINER column and the metrics labels.
FALLBACKS = ["test_container_filter_fake_cgroups"]
SANITIZED = ["test_container_filter_fake_cgroups", "test_table_container_column",
             "test_metrics_container_labels_and_the_cap"]
