"""procsnoop exec, end to end: real BPF, real execs with known arguments and results."""
import os
import stat
import subprocess
import tempfile

from harness import Trace, assert_fields, assert_recent_clock, tool, usage_error

ACTOR = tool("execactor")
TRUE = "/bin/true"
ME = os.getpid()
# Run again against the ASan+UBSan build and under valgrind (tests/run.py).
SANITIZED = ("test_tricky_args_json", "test_100k_argument_cut_and_marked", "test_failed_exec_table")
TRICKY = ["a b", 'say "hi"', "new\nline", "", "tab\there", "caf\u00e9"]


def spawn(*argv):
    """Execs argv in a child of this process; returns its pid (it has exited)."""
    p = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.communicate(timeout=30)
    return p.pid


def failed_exec(path, *args):
    """An exec of path that fails in the child; returns the errno Python saw."""
    try:
        subprocess.run([path, *args], timeout=30)
    except OSError as e:
        return e.errno
    raise AssertionError(f"exec of {path} did not fail")


def execs(tr, pid, count=1):
    return tr.wait_for(lambda e: e["type"] == "exec" and e["pid"] == pid, count=count)


def test_tricky_args_json():
    with Trace("exec", "--ppid", str(ME)) as tr:
        pid = spawn(TRUE, *TRICKY)
        [e] = execs(tr, pid)
        assert_fields(e, comm="true", old_comm="python3", ppid=ME, tid=pid, uid=0, ret=0,
                      error=None, syscall="execve", filename=TRUE, args=[TRUE, *TRICKY],
                      argc=7, args_truncated=False, path=None, dirfd=None, flags=None)
        assert tr.stop() == 0


def test_tricky_args_table_quoted():
    with Trace("exec", "--ppid", str(ME), "-q", json_output=False) as tr:
        pid = spawn(TRUE, *TRICKY)
        [row] = tr.wait_for(lambda l: f" {pid} " in l)
        header = tr.text().splitlines()[0]
        assert header.split() == ["COMM", "PID", "PPID", "RET", "ARGS"], header
        cols = row.rstrip("\n").split(None, 4)
        assert cols[:4] == ["true", str(pid), str(ME), "0"], cols
        assert cols[4] == ('"/bin/true" "a b" "say \\"hi\\"" "new\\nline" "" "tab\\there" '
                           '"caf\u00e9"'), cols[4]


def test_table_columns_time_uid_unquoted():
    with Trace("exec", "--ppid", str(ME), "-T", "-t", "-U", json_output=False) as tr:
        pid = spawn(TRUE, "one", "two words")
        [row] = tr.wait_for(lambda l: f" {pid} " in l)
        header = tr.text().splitlines()[0].split()
        assert header == ["TIME", "TIME(s)", "UID", "COMM", "PID", "PPID", "RET", "ARGS"], header
        cols = row.split()
        assert len(cols[0]) == 15, cols
        assert_recent_clock(cols[0])
        assert 0 < float(cols[1]) < 60, cols
        assert cols[2:] == ["0", "true", str(pid), str(ME), "0", TRUE, "one", "two", "words"]


def test_200_args_cut_at_max_args():
    args = [f"arg{i}" for i in range(199)]
    with Trace("exec", "--ppid", str(ME)) as tr, \
            Trace("exec", "--ppid", str(ME), json_output=False) as tt:
        pid = spawn(TRUE, *args)
        [e] = execs(tr, pid)
        assert_fields(e, argc=200, args=[TRUE, *args[:127]], args_truncated=True, ret=0)
        [row] = tt.wait_for(lambda l: f" {pid} " in l)
        assert row.rstrip("\n").endswith(" arg126 ..."), row[-80:]


def test_max_args_option():
    with Trace("exec", "--ppid", str(ME), "--max-args", "3") as tr:
        pid = spawn(TRUE, "a", "b", "c", "d")
        [e] = execs(tr, pid)
        assert_fields(e, argc=5, args=[TRUE, "a", "b"], args_truncated=True)
        pid = spawn(TRUE, "a", "b")
        [e] = execs(tr, pid)
        assert_fields(e, argc=3, args=[TRUE, "a", "b"], args_truncated=False)


def test_100k_argument_cut_and_marked():
    big = "x" * (100 * 1024)
    with Trace("exec", "--ppid", str(ME)) as tr, \
            Trace("exec", "--ppid", str(ME), json_output=False) as tt:
        pid = spawn(TRUE, big, "after")
        [e] = execs(tr, pid)
        # 32 KiB of argument bytes: "/bin/true\0" and the start of the big one, no NUL.
        kept = 32768 - len(TRUE) - 1
        assert_fields(e, argc=3, args=[TRUE, "x" * kept], args_truncated=True, ret=0)
        [row] = tt.wait_for(lambda l: f" {pid} " in l)
        assert row.rstrip("\n").endswith("x" * 10 + " ..."), row[-40:]


def test_failed_execs_with_x():
    with tempfile.TemporaryDirectory() as d:
        missing = os.path.join(d, "missing")
        noexec = os.path.join(d, "noexec")
        garbage = os.path.join(d, "garbage")
        with open(noexec, "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(noexec, 0o644)
        with open(garbage, "wb") as f:
            f.write(b"\x01\x02 not a program\n")
        os.chmod(garbage, stat.S_IRWXU)
        with Trace("exec", "--ppid", str(ME), "-x") as tr, \
                Trace("exec", "--ppid", str(ME)) as plain, \
                Trace("exec", "--ppid", str(ME), "--failed") as failed:
            cases = [(missing, "ENOENT", 2), (noexec, "EACCES", 13), (garbage, "ENOEXEC", 8)]
            for path, name, num in cases:
                assert failed_exec(path, "arg 1", "2") == num
                [e] = tr.wait_for(lambda e: e["filename"] == path)
                assert_fields(e, ret=-num, error=name, comm="python3", old_comm="python3",
                              ppid=ME, args=[path, "arg 1", "2"], argc=3,
                              args_truncated=False, syscall="execve")
            pid = spawn(TRUE, "ok")
            execs(tr, pid)
            execs(plain, pid)
            # Without -x only the successful one; with --failed only the failures.
            ours = {TRUE, *(c[0] for c in cases)}
            got = [e["filename"] for e in plain.events() if e["filename"] in ours]
            assert got == [TRUE], got
            failed.wait_for(lambda e: e["filename"] == garbage)
            got = [e["filename"] for e in failed.events() if e["filename"] in ours]
            assert got == [c[0] for c in cases], got


def test_failed_exec_table():
    with Trace("exec", "--ppid", str(ME), "-x", json_output=False) as tr:
        assert failed_exec("/nonexistent/procsnoop-test", "z") == 2
        [row] = tr.wait_for(lambda l: "/nonexistent/procsnoop-test" in l)
        cols = row.split()
        assert cols[0] == "python3" and cols[2:] == [str(ME), "ENOENT",
                                                      "/nonexistent/procsnoop-test", "z"], cols


def test_execveat_dirfd_path():
    with Trace("exec", "--ppid", str(ME), "-x") as tr:
        pid = spawn(ACTOR, "execveat", "/usr/bin", "true", "true", "x y")
        [e] = tr.wait_for(lambda e: e["pid"] == pid and e["syscall"] == "execveat")
        assert_fields(e, syscall="execveat", comm="true", old_comm="execactor", ret=0,
                      filename="true", path="/usr/bin/true", dirfd=3, flags="0",
                      args=["true", "x y"], argc=2)
        pid = spawn(ACTOR, "execveat", "/usr/bin", "procsnoop-missing", "m")
        evs = execs(tr, pid, count=2)
        assert_fields(evs[1], syscall="execveat", comm="execactor", ret=-2, error="ENOENT",
                      filename="procsnoop-missing", path="/usr/bin/procsnoop-missing",
                      dirfd=3, args=["m"], argc=1)


def test_execveat_empty_path():
    with Trace("exec", "--ppid", str(ME)) as tr:
        pid = spawn(ACTOR, "fexec", "/usr/bin/true", "true", "fd")
        [e] = tr.wait_for(lambda e: e["pid"] == pid and e["syscall"] == "execveat")
        assert_fields(e, comm="true", ret=0, filename="", path="/usr/bin/true", dirfd=3,
                      flags="AT_EMPTY_PATH", args=["true", "fd"], argc=2)


def test_exec_from_a_second_thread():
    """A thread that is not the leader execs: the kernel gives it the process's pid."""
    with Trace("exec", "--ppid", str(ME)) as tr:
        pid = spawn(ACTOR, "thread-exec", TRUE, "true", "from-thread")
        [e] = tr.wait_for(lambda e: e["pid"] == pid and e["filename"] == TRUE)
        assert_fields(e, comm="true", tid=pid, ret=0, filename=TRUE, old_comm="execactor",
                      args=["true", "from-thread"], argc=2)


def test_name_and_line_filters():
    with Trace("exec", "--ppid", str(ME), "-n", "ru") as by_name, \
            Trace("exec", "--ppid", str(ME), "-l", "needle") as by_line:
        p1 = spawn(TRUE, "hay")
        p2 = spawn("/bin/echo", "a-needle-b")
        p3 = spawn(TRUE, "xneedle")
        by_name.wait_for(lambda e: e["pid"] == p3)
        by_line.wait_for(lambda e: e["pid"] == p3)
        assert [e["pid"] for e in by_name.events()] == [p1, p3]
        assert [e["pid"] for e in by_line.events()] == [p2, p3]


def test_bad_input():
    for args, needle in [
        (["exec", "--max-args", "0"], "max args"),
        (["exec", "--max-args", "2000"], "max args"),
        (["exec", "--max-args", "x"], "max args"),
        (["exec", "-n", "a-name-longer-than-15"], "name"),
        (["exec", "-c", "/nonexistent-cgroup"], "cgroup"),
        (["exit", "-c", "/nonexistent-cgroup"], "cgroup"),
        (["exec", "--ppid", "0"], "PPID"),
    ]:
        line = usage_error(*args)
        assert needle in line, (args, line)

# Run again with PROCSNOOP_FEATURES_OFF=all (tests/run.py): the programs of 5.10.
FALLBACKS = ["test_tricky_args_json", "test_200_args_cut_at_max_args", "test_max_args_option",
             "test_100k_argument_cut_and_marked", "test_failed_execs_with_x",
             "test_failed_exec_table", "test_execveat_dirfd_path", "test_execveat_empty_path",
             "test_exec_from_a_second_thread", "test_name_and_line_filters"]
