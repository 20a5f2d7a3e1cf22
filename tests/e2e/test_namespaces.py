"""Namespace-aware ids on every event: ns_pid, ns_tid, pidns and mntns, the --pidns filter in the
kernel, and a signal target's ids in its own pid namespace. Real pid and mount namespaces made
with unshare(1); a process inside one does what the test tells it on its stdin."""
import os
import signal
import subprocess
import tempfile
import threading

from harness import Trace, assert_fields, usage_error

# Inside the namespace: prints "ready PID", then runs each line of its stdin.
NS_SCRIPT = r"""
import os, sys
print("ready", os.getpid(), flush=True)
for line in sys.stdin:
    cmd, *args = line.split()
    if cmd == "open":
        try:
            os.close(os.open(args[0], os.O_RDONLY))
        except OSError:
            pass
    elif cmd == "topen":  # from a thread; prints its id in the namespace
        import threading
        tids = []
        def opener():
            tids.append(threading.get_native_id())
            try:
                os.close(os.open(args[0], os.O_RDONLY))
            except OSError:
                pass
        t = threading.Thread(target=opener)
        t.start()
        t.join()
        print("done", cmd, tids[0], flush=True)
        continue
    elif cmd == "run":
        pid = os.fork()
        if pid == 0:
            os.execv(args[0], args)
        os.waitpid(pid, 0)
    print("done", cmd, flush=True)
"""


def ns_inode(pid, kind):
    return os.stat(f"/proc/{pid}/ns/{kind}").st_ino


class PidNamespace:
    """A python3 that is pid 1 of a new pid namespace (with its own /proc, so a new mount
    namespace too). host_pid is its id outside."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["unshare", "--pid", "--fork", "--mount-proc", "python3", "-c", NS_SCRIPT],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        assert line == ["ready", "1"], line
        with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
            [child] = f.read().split()
        self.host_pid = int(child)
        self.pidns = ns_inode(self.host_pid, "pid")
        self.mntns = ns_inode(self.host_pid, "mnt")

    def do(self, *words):
        self.proc.stdin.write(" ".join(words) + "\n")
        self.proc.stdin.flush()
        said = self.proc.stdout.readline().split()
        assert said[:2] == ["done", words[0]], said
        return said[2:]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def marker(tag):
    return os.path.join(tempfile.gettempdir(), f"procsnoop-ns-{tag}-{os.getpid()}")


def test_host_process_ids_equal_its_own():
    path = marker("host")
    with Trace("open", "-p", str(os.getpid())) as tr:
        try:
            os.close(os.open(path, os.O_RDONLY))
        except OSError:
            pass
        [e] = tr.wait_for(lambda e: e.get("path") == path)
        assert_fields(e, pid=os.getpid(), ns_pid=os.getpid(), ns_tid=threading.get_native_id(),
                      pidns=ns_inode("self", "pid"), mntns=ns_inode("self", "mnt"))
        assert tr.stop() == 0


def test_ids_inside_a_new_pid_namespace_every_tracer():
    """open, exec and exit of pid 1 of a new namespace and of its first child (pid 2 there)."""
    path = marker("inside")
    with PidNamespace() as ns, Trace("--pidns", str(ns.pidns)) as tr:
        assert ns.pidns != ns_inode("self", "pid") and ns.mntns != ns_inode("self", "mnt")
        ns.do("open", path)
        ns.do("run", "/bin/true")
        [ns_tid] = ns.do("topen", path + "-thread")
        [o] = tr.wait_for(lambda e: e["type"] == "open" and e.get("path") == path)
        assert_fields(o, pid=ns.host_pid, tid=ns.host_pid, ns_pid=1, ns_tid=1, pidns=ns.pidns,
                      mntns=ns.mntns)
        # A thread: its own id, and its process's, in the namespace.
        [t] = tr.wait_for(lambda e: e["type"] == "open" and e.get("path") == path + "-thread")
        assert t["tid"] != ns.host_pid and int(ns_tid) != 1, (t, ns_tid)
        assert_fields(t, pid=ns.host_pid, ns_pid=1, ns_tid=int(ns_tid), pidns=ns.pidns,
                      mntns=ns.mntns)
        [x] = tr.wait_for(lambda e: e["type"] == "exec" and e.get("filename") == "/bin/true")
        assert_fields(x, ppid=ns.host_pid, ns_pid=2, ns_tid=2, pidns=ns.pidns, mntns=ns.mntns)
        [q] = tr.wait_for(lambda e: e["type"] == "exit" and e["pid"] == x["pid"])
        assert_fields(q, ns_pid=2, ns_tid=2, pidns=ns.pidns, mntns=ns.mntns)
        ns.close()
        assert tr.stop() == 0
    # --pidns is applied in the kernel: nothing from outside the namespace got through.
    outside = [e for e in tr.events() if e.get("pidns") != ns.pidns]
    assert not outside, outside[:3]


def test_pidns_filter_by_path_leaves_out_the_host():
    host, inside = marker("left-out"), marker("kept")
    with PidNamespace() as ns, Trace("open", "--pidns", f"/proc/{ns.host_pid}/ns/pid") as tr:
        try:
            os.close(os.open(host, os.O_RDONLY))
        except OSError:
            pass
        ns.do("open", inside)
        tr.wait_for(lambda e: e.get("path") == inside)
        assert not [e for e in tr.events() if e.get("path") == host]
        ns.close()
        assert tr.stop() == 0


def test_pidns_filter_readlink_form():
    with PidNamespace() as ns, Trace("open", "--pidns", f"pid:[{ns.pidns}]") as tr:
        ns.do("open", marker("readlink"))
        [e] = tr.wait_for(lambda e: e.get("path") == marker("readlink"))
        assert_fields(e, pidns=ns.pidns, ns_pid=1)
        ns.close()
        assert tr.stop() == 0


def test_signal_target_ids_in_its_namespace():
    """kill from the host to pid 1 of a namespace: the target is 1 there (and, as its init
    with no handler, ignores SIGUSR1); a kill that finds no process has no target ids."""
    with PidNamespace() as ns, Trace("sig", "-p", str(os.getpid())) as tr:
        os.kill(ns.host_pid, signal.SIGUSR1)
        gone = subprocess.Popen(["true"])
        gone.wait()
        try:
            os.kill(gone.pid, signal.SIGUSR2)
        except ProcessLookupError:
            pass
        [e] = tr.wait_for(lambda e: e["sig"] == "SIGUSR1")
        assert_fields(e, target_pid=ns.host_pid, target_ns_pid=1, target_ns_tid=1,
                      result="ignored", ns_pid=os.getpid())
        [f] = tr.wait_for(lambda e: e["sig"] == "SIGUSR2")
        assert_fields(f, target_pid=gone.pid, error="ESRCH", result=None, target_ns_pid=None,
                      target_ns_tid=None)
        ns.close()
        assert tr.stop() == 0


def test_kernel_signal_target_ids():
    """The SIGCHLD the kernel sends unshare when pid 1 of the namespace exits names unshare
    by its own ids (it lives in the host's namespace)."""
    with PidNamespace() as ns, Trace("sig", "--source", "kernel", "--target",
                                     str(ns.proc.pid)) as tr:
        ns.close()
        [e] = tr.wait_for(lambda e: e["sig"] == "SIGCHLD")
        assert_fields(e, source="kernel", target_pid=ns.proc.pid, target_ns_pid=ns.proc.pid,
                      target_ns_tid=ns.proc.pid, ns_pid=1, pidns=ns.pidns)
        assert tr.stop() == 0


def test_pidns_bad_input():
    assert "invalid pid namespace 'abc'" in usage_error("open", "--pidns", "abc")
    assert "not a pid namespace" in usage_error("open", "--pidns", "/proc/self/ns/mnt")
    assert "no such file" in usage_error("sig", "--pidns", "/proc/self/ns/nosuch")
    assert "not a namespace file" in usage_error("sig", "--pidns", "/etc/hostname")
    assert "out of range" in usage_error("exec", "--pidns", "0")
    assert "pid:[NUMBER]" in usage_error("exit", "--pidns", "pid:[12")


# Run again with PROCSNOOP_FEATURES_OFF=all (tests/run.py): the helper reads of 5.10.
FALLBACKS = ["test_ids_inside_a_new_pid_namespace_every_tracer",
             "test_signal_target_ids_in_its_namespace", "test_kernel_signal_target_ids",
             "test_pidns_filter_readlink_form"]
