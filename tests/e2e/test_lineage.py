"""exec_id and parent_exec_id: one process image, named the same by every event of it, by
its children, and by any procsnoop, whether its exec was seen or not."""
import json
import os
import tempfile
import threading

from harness import PROCSNOOP, Trace, assert_fields, run


def parse(exec_id):
    start, pid, seq = exec_id.split(":")
    return int(start), int(pid), int(seq)


def start_ticks(pid):
    """The process's start in clock ticks since boot (/proc/PID/stat field 22)."""
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def test_ids_link_images_parents_and_children():
    p = run(PROCSNOOP, "-o", "json", "--", "sh", "-c", "cat /etc/hostname >/dev/null; exec true")
    assert p.returncode == 0, p.stderr
    events = [json.loads(l) for l in p.stdout.decode().splitlines()]
    execs = [e for e in events if e["type"] == "exec"]
    sh, cat, true = execs
    assert [e["comm"] for e in execs] == ["sh", "cat", "true"]
    # The shell's exec of true is a new image of the same process: one more exec, same start.
    s_start, s_pid, s_seq = parse(sh["exec_id"])
    assert parse(true["exec_id"]) == (s_start, s_pid, s_seq + 1) and true["pid"] == s_pid
    # cat's parent is the shell's first image; cat inherits its count and adds its exec.
    assert cat["parent_exec_id"] == sh["exec_id"]
    c_start, c_pid, c_seq = parse(cat["exec_id"])
    assert c_pid == cat["pid"] and c_seq == s_seq + 1 and c_start > s_start
    # Every event of an image carries its id; an exit names the image it ends.
    for e in events:
        if e["pid"] == cat["pid"]:
            assert_fields(e, exec_id=cat["exec_id"], parent_exec_id=sh["exec_id"])
    [sh_exit] = [e for e in events if e["type"] == "exit" and e["pid"] == s_pid]
    assert_fields(sh_exit, exec_id=true["exec_id"])
    [cat_exit] = [e for e in events if e["type"] == "exit" and e["pid"] == cat["pid"]]
    assert_fields(cat_exit, exec_id=cat["exec_id"])


def test_unseen_exec_same_id_for_every_observer_and_thread():
    """This process exec'd long before procsnoop started: its id comes from its start time,
    two procsnoops give the same, and so do its threads."""
    path = os.path.join(tempfile.gettempdir(), f"procsnoop-lineage-{os.getpid()}")
    with Trace("open", "-p", str(os.getpid())) as a, Trace("open", "-p", str(os.getpid())) as b:
        for _ in range(2):
            t = threading.Thread(target=lambda: open(path, "a").close())
            t.start()
            t.join()
        [ea, ea2] = a.wait_for(lambda e: e["path"] == path, count=2)
        [eb, _] = b.wait_for(lambda e: e["path"] == path, count=2)
        assert ea["tid"] != ea2["tid"]
        assert ea["exec_id"] == ea2["exec_id"] == eb["exec_id"]
        assert ea["parent_exec_id"] == eb["parent_exec_id"]
        start, pid, _ = parse(ea["exec_id"])
        hz = os.sysconf("SC_CLK_TCK")
        assert pid == os.getpid()
        assert abs(start * hz // 10**9 - start_ticks(pid)) <= 1, (start, start_ticks(pid))
        p_start, ppid, _ = parse(ea["parent_exec_id"])
        assert ppid == os.getppid()
        assert abs(p_start * hz // 10**9 - start_ticks(ppid)) <= 1
        assert a.stop() == 0 and b.stop() == 0
    os.unlink(path)
