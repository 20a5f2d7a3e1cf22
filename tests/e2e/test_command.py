"""procsnoop -- CMD: a command and everything it starts, followed in the kernel; --tree."""
import json
import os
import signal
import subprocess
import tempfile
import threading

from harness import PROCSNOOP, Trace, assert_fields, run, usage_error


def marker(tag):
    return os.path.join(tempfile.gettempdir(), f"procsnoop-cmd-{tag}-{os.getpid()}")


def traced(*args, cmd, timeout=60):
    """Runs procsnoop ARGS -o json -- CMD to its end: (exit status, events, stderr)."""
    p = run(PROCSNOOP, *args, "-o", "json", "--", *cmd, timeout=timeout)
    events = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
    return p.returncode, events, p.stderr.decode("utf-8", "replace")


# A shell whose child shell starts a grandchild; each opens the marker; then exit 7.
TREE_SCRIPT = ('cat "$1" 2>/dev/null; sh -c \'cat "$1" 2>/dev/null; sh -c "cat $1 2>/dev/null"\' '
               'child "$1"; exit 7')


def test_follows_children_and_grandchildren_and_nothing_else():
    path = marker("tree")
    stop = threading.Event()

    def outsider():  # the same opens, outside the tree, all along
        while not stop.is_set():
            try:
                os.close(os.open(path, os.O_RDONLY))
            except OSError:
                pass
            stop.wait(0.001)

    t = threading.Thread(target=outsider)
    t.start()
    try:
        rc, events, err = traced("open", "exec", "exit",
                                 cmd=["sh", "-c", TREE_SCRIPT, "root", path])
    finally:
        stop.set()
        t.join()
    assert rc == 7, err
    execs = [e for e in events if e["type"] == "exec"]
    # The first event is the command's own exec: followed from its first instruction.
    assert events[0]["type"] == "exec" and events[0]["args"][:2] == ["sh", "-c"], events[0]
    root = events[0]["pid"]
    shells = [e for e in execs if e["comm"] == "sh"]
    cats = [e for e in execs if e["comm"] == "cat"]
    assert len(shells) == 3 and len(cats) == 3, execs
    child, grandchild = shells[1], shells[2]
    assert_fields(child, ppid=root)
    assert_fields(grandchild, ppid=child["pid"])
    # Each cat was started by its shell, and opened the marker.
    assert sorted(c["ppid"] for c in cats) == sorted([root, child["pid"], grandchild["pid"]])
    opens = [e for e in events if e["type"] == "open" and e["path"] == path]
    assert sorted(o["pid"] for o in opens) == sorted(c["pid"] for c in cats), opens
    # Filtered in the kernel: nothing of the outsider (this process) nor of anyone else.
    tree = {root} | {e["pid"] for e in execs}
    assert {e["pid"] for e in events} <= tree, [e for e in events if e["pid"] not in tree][:3]
    exits = {e["pid"]: e for e in events if e["type"] == "exit"}
    assert_fields(exits[root], exit_code=7, sig=None)
    assert set(exits) == tree
    assert "sh exited with 7" in err.splitlines()[-1], err


def test_forked_children_are_followed_before_they_run():
    """Children that never exec and open at once: each open is seen (fork adds them first)."""
    path = marker("fork")
    script = ("import os, sys\n"
              "for i in range(20):\n"
              "    if os.fork() == 0:\n"
              "        try:\n"
              "            os.close(os.open(sys.argv[1] + str(i), os.O_RDONLY))\n"
              "        except OSError:\n"
              "            pass\n"
              "        os._exit(0)\n"
              "    os.wait()\n")
    rc, events, err = traced("open", cmd=["python3", "-c", script, path])
    assert rc == 0, err
    seen = sorted(e["path"] for e in events if e["path"].startswith(path))
    assert seen == sorted(path + str(i) for i in range(20)), seen


def test_exit_status_is_the_commands():
    rc, events, err = traced("exit", cmd=["sh", "-c", "kill -KILL $$"])
    assert rc == 128 + 9, err
    [e] = [e for e in events if e["type"] == "exit"]
    assert_fields(e, sig="SIGKILL", exit_code=None)
    assert "sh killed by SIGKILL" in err
    rc, _, err = traced("exit", cmd=["true"])
    assert rc == 0, err


def test_runs_as_the_sudo_user_or_user():
    for env, args in (({"SUDO_UID": "65534", "SUDO_GID": "65534"}, ()), ({}, ("--user", "nobody"))):
        p = subprocess.run([PROCSNOOP, "exec", *args, "-o", "json", "--", "sh", "-c", "exit 3"],
                           capture_output=True, timeout=60, env={**os.environ, **env})
        assert p.returncode == 3, p.stderr
        [e] = [json.loads(l) for l in p.stdout.decode().splitlines()]
        assert_fields(e, uid=65534, comm="sh")


def test_sigterm_is_passed_on_and_tracing_goes_on_until_it_ends():
    path = marker("term")
    # The command outlives the TERM by a moment, and opens the marker in its trap.
    script = f'trap "cat {path} 2>/dev/null; exit 5" TERM; while :; do sleep 0.05; done'
    with Trace("open", "exec", "--", "sh", "-c", script) as tr:
        tr.wait_for(lambda e: e["type"] == "exec" and e["comm"] == "sleep")  # the trap is set
        assert tr.stop(signal.SIGTERM) == 5
    [o] = [e for e in tr.events() if e.get("path") == path]
    assert "passed SIGTERM on to sh" in tr.stderr()
    assert "sh exited with 5" in tr.stderr()


def test_tree_json():
    rc, events, err = traced("-q", "--tree", cmd=["sh", "-c", TREE_SCRIPT + "", "root", "/"])
    assert rc == 7, err
    [tree] = events
    assert_fields(tree, type="tree", complete=True)
    [root] = tree["processes"]
    assert_fields(root, pid=tree["root_pid"], comm="sh", exit_code=7, sig=None, running=False)
    assert [x["args"] for x in root["execs"]] == [["sh", "-c", TREE_SCRIPT, "root", "/"]]
    # root: cat, then the child shell; the child: cat, then the grandchild shell; which: cat.
    cat, child = root["children"]
    assert_fields(cat, comm="cat", exit_code=1, children=[])
    assert cat["execs"][0]["args"] == ["cat", "/"]
    assert child["execs"][0]["args"][:2] == ["sh", "-c"] and child["ppid"] == root["pid"]
    cat2, grandchild = child["children"]
    assert cat2["execs"][0]["args"] == ["cat", "/"]
    [cat3] = grandchild["children"]
    assert_fields(cat3, ppid=grandchild["pid"], exit_code=1, children=[])
    assert 0 < cat3["age_ns"] < root["age_ns"]


def test_tree_table_and_a_process_that_never_execs():
    p = run(PROCSNOOP, "exec", "--tree", "--", "sh", "-c",
            '(sleep 0.05; exit 3); sh -c "kill -9 \\$\\$"; exit 2')
    assert p.returncode == 2, p.stderr
    out = p.stdout.decode()
    tree = out[out.index("process tree:\n"):].splitlines()[1:]
    assert len(tree) == 4, tree
    assert tree[0].split(" ", 1)[1].startswith('sh -c "(sleep 0.05; exit 3); ')
    assert tree[0].endswith("[exit 2, " + tree[0].split(", ")[-1]) and "[exit 2," in tree[0]
    assert tree[1].startswith("  ") and tree[1].endswith("]") and "(sh)  [exit 3," in tree[1]
    assert tree[2].startswith("    ") and "sleep 0.05  [exit 0," in tree[2]
    assert tree[3].startswith("  ") and not tree[3].startswith("   ")
    assert 'sh -c "kill -9 $$"  [SIGKILL,' in tree[3]
    # exec events shown, exit events (loaded for the tree) not
    assert "exit=" not in out[:out.index("process tree:")]


def test_bad_input():
    assert "must be followed by a command" in usage_error("exec", "--")
    assert "command not found" in usage_error("--", "procsnoop-no-such-command")
    assert "no such file" in usage_error("--", "/nonexistent/cmd")
    assert "--tree needs a command" in usage_error("--tree")


def test_ctrl_c_at_a_terminal_reaches_the_command_once():
    """The terminal sends SIGINT to procsnoop and CMD both: procsnoop passes nothing on (CMD
    would see it twice) and traces until CMD's handler has run."""
    import pty
    import select
    import time
    path = marker("ctrlc")
    script = (f'n=0; trap \'n=$((n+1))\' INT; while [ $n = 0 ]; do sleep 0.05; done; '
              f'sleep 0.2; cat {path} 2>/dev/null; exit $((10 + n))')
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(PROCSNOOP, [PROCSNOOP, "open", "-o", "json", "--", "sh", "-c", script])
    out, deadline = b"", time.monotonic() + 30
    while b"procsnoop: tracing" not in out and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.5)[0]:
            out += os.read(fd, 65536)
    time.sleep(0.2)
    os.write(fd, b"\x03")
    while time.monotonic() < deadline:
        if not select.select([fd], [], [], 0.5)[0]:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    text = out.decode("utf-8", "replace")
    # One SIGINT reached the shell (11, not 12), and its last open was still traced.
    assert os.waitstatus_to_exitcode(status) == 11, text
    assert "tracing until sh" in text and "sh exited with 11" in text, text
    assert f'"path":"{path}"' in text.replace(" ", ""), text
