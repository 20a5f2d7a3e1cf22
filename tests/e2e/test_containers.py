"""Container identity in JSON events (container_id, container_runtime, pod_uid): real cgroup v2
directories named as podman, containerd under Kubernetes and a plain service name them, a real
process moved into each, its events read back through the kernel's cgroup id."""
import os
import shutil
import subprocess
import tempfile

from harness import Trace, assert_fields


def cgroup2_mount():
    with open("/proc/self/mounts") as f:
        for line in f:
            fields = line.split()
            if fields[2] == "cgroup2":
                return fields[1]
    raise AssertionError("no cgroup2 mount")


class Cgroup:
    """Directories below the cgroup2 mount, made now and removed at the end (deepest first)."""

    def __init__(self, *parts):
        self.dirs = []
        path = cgroup2_mount()
        for p in parts:
            path = os.path.join(path, p)
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


def test_container_after_privileges_are_dropped():
    """As nobody, open_by_handle_at is refused: the ids are found by walking the tree."""
    cid = os.urandom(32).hex()
    with Cgroup(f"procsnoop-e2e-{os.getpid()}.slice", f"docker-{cid}.scope") as cg:
        assert_fields(opened(cg, "--user", "nobody"), container_id=cid,
                      container_runtime="docker")


# ---- real containers: Debian's podman with runc, offline ----------------------------------

IMAGE = "localhost/procsnoop-e2e:latest"
# This machine lacks CAP_SYS_RESOURCE, so podman's default limits fail; crun refuses hybrid
# cgroups; there is no network to reach.
RUN = ["podman", "run", "--runtime", "runc", "--ulimit", "nofile=20000:20000", "--ulimit",
       "nproc=32768:32768", "--network", "none"]


def podman(*args):
    p = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, (args, p.stderr[-2000:])
    return p.stdout.strip()


class Container:
    """An image of busybox alone (podman import of a root the test makes), and a named
    container of it running SCRIPT; both removed at the end, and nothing of them left."""

    def __init__(self, script):
        self.name = f"procsnoop-e2e-{os.getpid()}"
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
        self.id = podman(*RUN[1:], "-d", "--name", self.name, IMAGE, "/bin/sh", "-c", script)
        self.pid = int(podman("inspect", "-f", "{{.State.Pid}}", self.name))
        self.cgroup = open(f"/proc/{self.pid}/cgroup").read()
        self.pidns = os.stat(f"/proc/{self.pid}/ns/pid").st_ino

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        subprocess.run(["podman", "rm", "-f", "-t", "0", self.name], capture_output=True,
                       timeout=120)
        subprocess.run(["podman", "rmi", "-f", IMAGE], capture_output=True, timeout=120)
        assert self.name not in podman("ps", "-a", "--format", "{{.Names}}")
        assert IMAGE not in podman("images", "--format", "{{.Repository}}:{{.Tag}}")


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


def test_fuzz_json():
    """The JSON reader of the runtimes' state files under libFuzzer (fuzz/fuzz_json.c)."""
    from test_run import fuzz
    fuzz("json")
