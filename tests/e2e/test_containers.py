"""Container identity in JSON events (container_id, container_runtime, pod_uid): real cgroup v2
directories named as podman, containerd under Kubernetes and a plain service name them, a real
process moved into each, its events read back through the kernel's cgroup id."""
import os
import subprocess

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
