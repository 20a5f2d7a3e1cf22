"""procsnoop run: the seed programs as written, our own programs, bad input, the cache, the
fuzzers. Events are caused here with known pids and checked field by field."""
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

from harness import BUILD, CONTAINER_KEYS, PROCSNOOP, ROOT, Trace, run, usage_error
from test_sig import Target

PROGS = os.path.join(ROOT, "tests", "programs")
SEED000 = os.path.join(PROGS, "seed000", "sigsnoop.bpf.c")
SEED001 = os.path.join(PROGS, "seed001", "sigsnoop.bpf.c")
SEED002 = os.path.join(PROGS, "seed002", "sigsnoop.bpf.c")
SEED002_H = os.path.join(PROGS, "seed002", "sigsnoop.h")
SEED003 = os.path.join(PROGS, "seed003", "opensnoop.bpf.c")
SEED004 = os.path.join(PROGS, "seed004", "execsnoop.bpf.c")
SEED004_H = os.path.join(PROGS, "seed004", "execsnoop.h")
FEATURES = os.path.join(PROGS, "features", "features.bpf.c")
BAD = os.path.join(PROGS, "bad")
# The seeds sit in shared/ beside the repository (CI lays a copy there too).
SEEDS = os.path.join(os.path.dirname(ROOT), "shared", "seeds")

# Run again against the ASan+UBSan build and under valgrind.  Not the verifier rejection
# nor the sampled maps: valgrind cannot see the kernel fill a verifier log, and flags
# bpf_map_get_next_key(NULL) (the first key) as a bad pointer.
SANITIZED = (
    "test_run_seed000_sigsnoop_printk_from_trace_pipe",
    "test_run_seed002_completed_perf_buffer_with_header",
    "test_run_seed004_execsnoop_table",
    "test_run_root_takes_nothing_from_the_environment",
    "test_run_root_refuses_a_cache_path_others_can_write",
)


def my_comm():
    with open("/proc/self/comm") as f:
        return f.read().strip()


def test_run_programs_are_the_seed_code_verbatim():
    """The copies under tests/programs are the code blocks of the seed articles, unchanged."""
    if not os.path.isdir(SEEDS):
        raise AssertionError(f"{SEEDS} is missing: the seeds are the acceptance programs")

    def blocks(name):
        with open(os.path.join(SEEDS, name)) as f:
            return re.findall(r"```c\n(.*?)```", f.read(), re.S)

    def read(path):
        with open(path) as f:
            return f.read()

    seeds = sorted(os.listdir(SEEDS))
    assert blocks(seeds[0])[0] == read(SEED000)
    assert blocks(seeds[1])[0] == read(SEED001)
    assert blocks(seeds[2])[0] == read(os.path.join(PROGS, "seed002", "sigsnoop_body.c"))
    assert blocks(seeds[3])[0] == read(SEED003)
    assert blocks(seeds[4])[0] == read(SEED004_H)
    assert blocks(seeds[4])[1] == read(SEED004)


def test_run_seed000_sigsnoop_printk_from_trace_pipe():
    with Target() as target, Trace("run", SEED000, json_output=False) as tr:
        os.kill(target.pid, 0)
        want = f"PID {os.getpid()} ({my_comm()}) sent signal 0 to PID {target.pid}, ret = 0"
        lines = tr.wait_for(lambda l: want in l, timeout=10)
        assert "bpf_trace_printk: " + want in lines[0]
        assert tr.stop() == 0
    assert "trace_pipe lines" in tr.stderr()


def test_run_seed000_json_splits_printk_lines():
    with Target() as target, Trace("run", SEED000) as tr:
        os.kill(target.pid, 0)
        msg = f"PID {os.getpid()} ({my_comm()}) sent signal 0 to PID {target.pid}, ret = 0"
        ev = tr.wait_for(lambda e: e.get("msg") == msg, timeout=10)[0]
        assert ev["type"] == "printk" and ev["pid"] == os.getpid() and ev["comm"] == my_comm()
        assert tr.stop() == 0


def test_run_seed001_sigsnoop_two_printk_lines():
    with Target() as target, Trace("run", SEED001, json_output=False) as tr:
        os.kill(target.pid, 0)
        tr.wait_for(lambda l: f"PID {os.getpid()} ({my_comm()}) sent signal 0" in l, timeout=10)
        tr.wait_for(lambda l: f"to PID {target.pid}, ret = 0" in l, timeout=10)
        assert tr.stop() == 0


def test_run_seed003_help_shows_description_and_flag():
    p = run(PROCSNOOP, "run", SEED003, "--help")
    out = p.stdout.decode()
    assert p.returncode == 0, p.stderr
    assert "Trace open family syscalls." in out
    m = re.search(r"--pid_target=N\s+(.*)", out)
    assert m and m.group(1).strip() == "Process ID to trace (default 0)", out


class Opener:
    """A child that opens a file each time it reads a line: a known pid for openat."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["python3", "-c", "import sys\nfor l in sys.stdin:\n open('/etc/hostname').close()"
             "\n print('opened', flush=True)"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.pid = self.proc.pid

    def open(self):
        self.proc.stdin.write(b"x\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline() == b"opened\n"

    def close(self):
        self.proc.kill()
        self.proc.wait()


def check_opensnoop_filter(make_args):
    opener = Opener()
    try:
        time.sleep(0.3)  # python's own opens at startup are done
        with Trace("run", SEED003, *make_args(opener.pid), json_output=False) as tr:
            opener.open()
            opener.open()
            lines = tr.wait_for(lambda l: "Process ID:" in l, count=2, timeout=10)
            time.sleep(0.3)
            assert tr.stop() == 0
            lines = [l for l in tr.text().splitlines() if "Process ID:" in l]
            assert len(lines) >= 2
            for l in lines:
                assert l.endswith(f"Process ID: {opener.pid} enter sys openat"), l
    finally:
        opener.close()


def test_run_seed003_opensnoop_pid_target():
    check_opensnoop_filter(lambda pid: ["--pid_target", str(pid)])


def test_run_seed003_flags_after_double_dash():
    check_opensnoop_filter(lambda pid: ["--", "--pid_target", str(pid)])


def exec_child():
    """Runs /bin/true; returns its pid (the exec happens in that pid)."""
    p = subprocess.Popen(["/bin/true"])
    p.wait()
    return p.pid


def test_run_seed004_execsnoop_table():
    with Trace("run", SEED004, SEED004_H, json_output=False) as tr:
        pid = exec_child()
        row = tr.wait_for(lambda l: re.match(rf"\S+\s+{pid}\s", l), timeout=10)[0].split()
        assert tr.stop() == 0
    header = tr.text().splitlines()[0].split()
    assert header == ["TIME", "PID", "PPID", "UID", "RETVAL", "IS_EXIT", "COMM"], header
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{6}", row[0]), row
    assert row[1] == str(pid) and row[2] == str(os.getpid()) and row[3] == str(os.getuid())
    assert row[5] in ("true", "false")
    # The event is taken at sys_enter_execve: the child still has its parent's name.
    assert row[6] == my_comm(), row


def test_run_seed004_execsnoop_json():
    with Trace("run", SEED004, SEED004_H) as tr:
        pid = exec_child()
        ev = tr.wait_for(lambda e: e.get("pid") == pid, timeout=10)[0]
        assert tr.stop() == 0
    assert ev["type"] == "event"
    assert ev["ppid"] == os.getpid() and ev["uid"] == os.getuid() and ev["comm"] == my_comm()
    # The struct's fields, then where the writer was (test_containers.py checks the values).
    assert set(ev) == {"type", "time", "pid", "ppid", "uid", "retval", "is_exit", "comm",
                       *CONTAINER_KEYS}


def check_seed002(*files):
    with Target() as target, Trace("run", *files, "--target_signal", "18",
                                   "--filtered_pid", str(os.getpid())) as tr:
        os.kill(target.pid, 0)
        os.kill(target.pid, signal.SIGCONT)
        evs = tr.wait_for(lambda e: e.get("tpid") == target.pid, count=2, timeout=10)
        time.sleep(0.3)
        assert tr.stop() == 0
    evs = [e for e in tr.events() if e.get("tpid") == target.pid]
    # kill() at syscall exit and signal_generate: both for SIGCONT, none for signal 0.
    assert len(evs) == 2, evs
    for e in evs:
        assert e["sig"] == 18 and e["ret"] == 0 and e["pid"] == os.getpid()
        assert e["comm"] == my_comm()
    assert "2 events, 0 lost" in tr.stderr()


def test_run_seed002_completed_perf_buffer_with_header():
    check_seed002(SEED002, SEED002_H)


def test_run_seed002_event_type_from_the_program():
    """No header: the struct the program passes to bpf_perf_event_output is found."""
    check_seed002(SEED002)


def test_run_seed002_flags_help():
    out = run(PROCSNOOP, "run", SEED002, "--help").stdout.decode()
    assert "Trace signals sent by kill, tkill and tgkill" in out
    assert re.search(r"--failed_only\[=BOOL\]\s+Only failed sends \(default false\)", out), out
    assert re.search(r"--target_signal=N\s+Only this signal number \(default 0\)", out), out


def test_run_features_ringbuf_enums_bools_arrays_nested():
    with Target() as target, Trace("run", FEATURES, "--target", str(target.pid), "--tag",
                                   "hello", "--factor", "2", "-i", "60") as tr:
        os.kill(target.pid, 0)
        os.kill(target.pid, signal.SIGCONT)
        os.kill(target.pid, signal.SIGCHLD)
        evs = tr.wait_for(lambda e: e["type"] == "event", count=3, timeout=10)
        assert tr.stop() == 0
    probe, cont, chld = evs
    common = {"pid": os.getpid(), "comm": my_comm(), "tag": "hello", "nested.level": 200}
    for e in evs:
        for k, v in common.items():
            assert e[k] == v, (k, e)
    assert probe["kind"] == "KIND_PROBE" and probe["probe"] is True and probe["sig"] == 0
    assert cont["kind"] == "KIND_CONT" and cont["probe"] is False
    assert chld["kind"] == "KIND_OTHER"
    assert [cont[f"multiples[{i}]"] for i in range(3)] == [36, 72, 108]
    assert cont["nested.at.x"] == -18 and cont["nested.at.y"] == 18 << 33
    # The sampled map is printed once more at the end: a histogram of signal numbers.
    maps = [e for e in tr.events() if e["type"] == "map"]
    assert maps and maps[-1]["map"] == "sigs" and maps[-1]["key"] == 0
    assert maps[-1]["hist"] == [1, 0, 0, 0, 2, 0, 0, 0]


def test_run_features_enum_and_bool_flags():
    with Target() as target, Trace("run", FEATURES, "--target", str(target.pid),
                                   "--which", "which_real", "--no-count_probes") as tr:
        os.kill(target.pid, 0)
        os.kill(target.pid, signal.SIGCONT)
        tr.wait_for(lambda e: e["type"] == "event", timeout=10)
        time.sleep(0.3)
        assert tr.stop() == 0
    evs = [e for e in tr.events() if e["type"] == "event"]
    assert [e["sig"] for e in evs] == [18]
    assert [e for e in tr.events() if e["type"] == "map"][-1]["hist"] == [0, 0, 0, 0, 1, 0, 0, 0]


def test_run_features_histogram_bars():
    with Target() as target, Trace("run", FEATURES, "--target", str(target.pid), "-i", "0.2",
                                   json_output=False) as tr:
        for _ in range(4):
            os.kill(target.pid, signal.SIGCONT)
        os.kill(target.pid, 0)
        tr.wait_for(lambda l: re.search(r"16 -> 31\s+: 4 ", l), timeout=10)
        assert tr.stop() == 0
    text = tr.text()
    assert re.search(r"^\s+signal\s+: count\s+distribution$", text, re.M), text
    assert re.search(r"^\s+0 -> 1\s+: 1\s+\|\*{10}\s{30}\|$", text, re.M), text
    assert re.search(r"^\s+16 -> 31\s+: 4\s+\|\*{40}\|$", text, re.M), text


def test_run_sigterm_stops_cleanly():
    with Trace("run", SEED004, SEED004_H) as tr:
        assert tr.stop(signal.SIGTERM) == 0
    assert "0 lost" in tr.stderr()


def test_run_bad_input_one_line():
    cases = [
        (["run", "/nonexistent/prog.bpf.c"], "No such file"),
        (["run", "/bin/true"], "not a BPF object"),
        (["run", os.path.join(ROOT, "README.md")], "neither C source"),
        (["run", os.path.join(BAD, "noprog.bpf.c")], "has no BPF programs"),
        (["run", os.path.join(BAD, "future.bpf.c")], "needs a newer kernel"),
        (["run", os.path.join(BAD, "noattach.bpf.c")], "cannot be attached automatically"),
        (["run", SEED003, "--pid_traget", "1"], "unknown option '--pid_traget'"),
        (["run", SEED003, "--", "--nope"], "unknown option '--nope' after --"),
        (["run", SEED003, "--pid_target", "abc"], "expected an integer"),
        (["run", SEED003, "--pid_target", "2147483648"], "from -2147483648 to 2147483647"),
        (["run", FEATURES, "--factor", "256"], "from 0 to 255"),
        (["run", FEATURES, "--factor", "-1"], "from 0 to 255"),
        (["run", FEATURES, "--which", "SOMETIMES"], "one of the names"),
        (["run", FEATURES, "--tag", "much too long"], "at most 7 bytes"),
        (["run", FEATURES, "--count_probes=maybe"], "true or false"),
        (["run", SEED003, "--pid_target"], "needs a value"),
        (["run"], "no program given"),
    ]
    for args, want in cases:
        line = usage_error(*args)
        assert want in line, (args, line)


def test_run_compile_error_shows_clang():
    p = run(PROCSNOOP, "run", os.path.join(BAD, "syntax.bpf.c"))
    err = p.stderr.decode()
    assert p.returncode == 2 and p.stdout == b""
    assert "use of undeclared identifier 'undeclared_variable'" in err, err
    assert err.strip().splitlines()[-1].endswith("does not compile (clang's messages are above)")


def test_run_verifier_rejection_shows_the_reason():
    p = run(PROCSNOOP, "run", os.path.join(BAD, "verifier.bpf.c"))
    err = p.stderr.decode()
    assert p.returncode == 2 and p.stdout == b""
    assert "invalid mem access 'map_value_or_null'" in err, err
    assert "the kernel rejected" in err.strip().splitlines()[-1]


# The directories a privileged run takes tools from, in order (src/runner/compile.c).
TRUSTED_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
TRUSTED_PATH = ":".join(TRUSTED_DIRS)
NOBODY = 65534


def trusted_tool(name):
    """What a privileged run executes for NAME: the first in TRUSTED_DIRS, resolved."""
    for d in TRUSTED_DIRS:
        if os.access(os.path.join(d, name), os.X_OK):
            return os.path.realpath(os.path.join(d, name))
    raise AssertionError(f"no {name} in {TRUSTED_PATH}")


def in_namespace(binds, *args, env=None, timeout=60):
    """Runs procsnoop as root in a private mount namespace where each (source, target) of
    binds is bind-mounted: a /var/cache of its own that no other run shares, a planted
    tool directory.  Returns the CompletedProcess."""
    script = "".join(f"/bin/mount --bind {shlex.quote(src)} {shlex.quote(dst)} && "
                     for src, dst in binds) + 'exec "$@"'
    return run("/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script,
               "sh", PROCSNOOP, *args, env=env, timeout=timeout)


def in_cache(cache, *args, **kw):
    """procsnoop with CACHE as its /var/cache (so /var/cache/procsnoop is CACHE/procsnoop)."""
    return in_namespace([(cache, "/var/cache")], *args, **kw)


def host_path(cache, path):
    """A path procsnoop printed inside in_cache(), seen from here."""
    assert path.startswith("/var/cache/"), path
    return os.path.join(cache, path[len("/var/cache/"):])


def compiled_object(p, prog):
    """The cache object procsnoop -v says it compiled prog into, or None."""
    m = re.search(rf"^procsnoop run: compiling {re.escape(prog)} into (\S+\.bpf\.o) with (\S+)$",
                  p.stderr.decode(), re.M)
    return m and m.group(1)


def copy_program(tmp, name="prog", src=SEED003):
    """A copy of a program in a directory of its own: its cache key is new."""
    d = os.path.join(tmp, name)
    os.makedirs(d)
    shutil.copy(src, d)
    return os.path.join(d, os.path.basename(src))


def listing(top):
    """{relative path: (kind, uid, mode)} of everything under top."""
    out = {}
    for dirpath, dirs, files in os.walk(top):
        for n in dirs + files:
            path = os.path.join(dirpath, n)
            st = os.lstat(path)
            kind = "l" if os.path.islink(path) else "d" if os.path.isdir(path) else "f"
            out[os.path.relpath(path, top)] = (kind, st.st_uid, st.st_mode & 0o7777)
    return out


def write_file(path, text, mode=0o644, uid=0):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    os.chown(path, uid, uid)


def error_line(p):
    """Asserts exit 1, no output and one line on stderr; returns the line."""
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == 1 and p.stdout == b"", (p.returncode, p.stdout[:200], err)
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def test_run_prebuilt_object_and_cache():
    """A fresh cache compiles (vmlinux.h too); the second start reuses the object."""
    tmp = tempfile.mkdtemp()
    try:
        cache = os.path.join(tmp, "cache")
        os.mkdir(cache, 0o755)
        t0 = time.monotonic()
        p = in_cache(cache, "run", SEED003, "--help")
        first = time.monotonic() - t0
        assert p.returncode == 0, p.stderr
        top = os.path.join(cache, "procsnoop")
        assert os.stat(top).st_mode & 0o777 == 0o700
        objs = [f for f in os.listdir(top) if f.endswith(".bpf.o")]
        assert len(objs) == 1, os.listdir(top)
        t0 = time.monotonic()
        p = in_cache(cache, "run", SEED003, "--help", "-v")
        second = time.monotonic() - t0
        assert p.returncode == 0 and b"found " in p.stderr, p.stderr
        assert compiled_object(p, SEED003) is None, p.stderr
        assert second < first / 2, (first, second)
        print(f"     first start {first:.2f}s (compile), cached start {second:.3f}s")
        # The cached object runs as a prebuilt one.
        with Trace("run", os.path.join(top, objs[0]), "--pid_target", "1",
                   json_output=False) as tr:
            assert tr.stop() == 0
    finally:
        shutil.rmtree(tmp)


def test_run_cache_notices_header_edits():
    tmp = tempfile.mkdtemp()
    try:
        cache = os.path.join(tmp, "cache")
        os.mkdir(cache, 0o755)
        for name in ("execsnoop.bpf.c", "execsnoop.h"):
            shutil.copy(os.path.join(PROGS, "seed004", name), tmp)
        prog = os.path.join(tmp, "execsnoop.bpf.c")
        # The header is not named: the cache must still see clang read it.
        p = in_cache(cache, "run", prog, "--event-type", "event", "-d", "0.1")
        assert p.returncode == 0, p.stderr
        with open(os.path.join(tmp, "execsnoop.h"), "a") as f:
            f.write("#error edited\n")
        p = in_cache(cache, "run", prog, "-d", "0.1")
        assert p.returncode == 2 and b"edited" in p.stderr, p.stderr
    finally:
        shutil.rmtree(tmp)


def test_run_root_takes_nothing_from_the_environment():
    """Run as root with a cache directory, a clang, a bpftool and headers of another user's
    in the environment: none of them is touched; the real tools compile into
    /var/cache/procsnoop."""
    tmp = tempfile.mkdtemp()
    try:
        planted = os.path.join(tmp, "planted")
        xdg, fakebin = os.path.join(planted, "xdg"), os.path.join(planted, "bin")
        inc = os.path.join(planted, "include")
        for d in (xdg, fakebin, os.path.join(inc, "bpf")):
            os.makedirs(d)
        marker = os.path.join(tmp, "marker")
        evil = f"#!/bin/sh\ntouch {marker}\nexit 1\n"
        for path in (os.path.join(fakebin, "clang"), os.path.join(fakebin, "bpftool"),
                     os.path.join(planted, "clang")):
            write_file(path, evil, 0o755)
        write_file(os.path.join(inc, "bpf", "bpf_helpers.h"), "#error planted header\n")
        for dirpath, dirs, files in os.walk(planted):
            for n in [dirpath] + [os.path.join(dirpath, f) for f in files]:
                os.chown(n, NOBODY, NOBODY)
        before = listing(planted)
        cache = os.path.join(tmp, "cache")
        os.mkdir(cache, 0o755)
        prog = copy_program(tmp)
        env = dict(os.environ, XDG_CACHE_HOME=xdg, HOME=xdg, CLANG=os.path.join(planted, "clang"),
                   PATH=fakebin + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
                   C_INCLUDE_PATH=inc, CPATH=inc, CCC_OVERRIDE_OPTIONS="+-DPLANTED=")
        p = in_cache(cache, "run", prog, "--help", "-v", env=env)
        err = p.stderr.decode()
        assert p.returncode == 0, err
        assert "Trace open family syscalls." in p.stdout.decode()
        lines = err.splitlines()
        assert "procsnoop run: running privileged: $CLANG and $PATH are ignored" in lines, err
        assert "procsnoop run: running privileged: $XDG_CACHE_HOME is ignored" in lines, err
        vm = [l for l in lines if l.startswith("procsnoop run: making ")]
        assert len(vm) == 1 and re.fullmatch(
            r"procsnoop run: making /var/cache/procsnoop/vmlinux-[0-9a-f]{32}/vmlinux\.h "
            rf"with {re.escape(trusted_tool('bpftool'))}", vm[0]), err
        obj = compiled_object(p, prog)
        assert obj and re.fullmatch(r"/var/cache/procsnoop/[0-9a-f]{32}\.bpf\.o", obj), err
        assert f" with {trusted_tool('clang')}" in err, err
        assert not os.path.exists(marker)
        assert listing(planted) == before, listing(planted)
        # Exactly the cache entries, root's and private; no temporary file left behind.
        key = os.path.basename(obj)[:-len(".bpf.o")]
        vmdir = os.path.relpath(os.path.dirname(host_path(cache, vm[0].split()[3])), cache)
        assert listing(cache) == {
            "procsnoop": ("d", 0, 0o700),
            vmdir: ("d", 0, 0o700),
            vmdir + "/vmlinux.h": ("f", 0, 0o600),
            f"procsnoop/{key}.bpf.o": ("f", 0, 0o600),
            f"procsnoop/{key}.deps": ("f", 0, 0o600),
        }, listing(cache)
        # Found again in the same place, the same way.
        p = in_cache(cache, "run", prog, "--help", "-v", env=env)
        assert p.returncode == 0 and compiled_object(p, prog) is None, p.stderr
        assert f"procsnoop run: found {prog} in " in p.stderr.decode(), p.stderr
        assert not os.path.exists(marker)
    finally:
        shutil.rmtree(tmp)


def test_run_root_refuses_a_cache_path_others_can_write():
    tmp = tempfile.mkdtemp()
    try:
        cache = os.path.join(tmp, "cache")
        other = os.path.join(tmp, "other")
        prog = copy_program(tmp)
        refused = "procsnoop run: refusing the cache directory /var/cache/procsnoop: "

        def case(setup, why):
            shutil.rmtree(cache, ignore_errors=True)
            shutil.rmtree(other, ignore_errors=True)
            os.mkdir(cache, 0o755)
            setup()
            before = listing(cache)
            line = error_line(in_cache(cache, "run", prog, "--help"))
            assert line == refused + why, line
            assert listing(cache) == before, listing(cache)

        case(lambda: os.chmod(cache, 0o775), "/var/cache is writable by its group")
        case(lambda: os.chmod(cache, 0o757), "/var/cache is writable by others")
        case(lambda: os.chown(cache, NOBODY, NOBODY), f"/var/cache is owned by uid {NOBODY}")

        def nobodys():
            os.mkdir(os.path.join(cache, "procsnoop"), 0o700)
            os.chown(os.path.join(cache, "procsnoop"), NOBODY, NOBODY)
        case(nobodys, f"/var/cache/procsnoop is owned by uid {NOBODY}")
        def group_writable():
            os.mkdir(os.path.join(cache, "procsnoop"))
            os.chmod(os.path.join(cache, "procsnoop"), 0o770)
        case(group_writable, "/var/cache/procsnoop is writable by its group")

        def link():
            os.mkdir(other, 0o700)
            os.symlink(other, os.path.join(cache, "procsnoop"))
        # A link is followed only through directories nobody else may write: /tmp is not one.
        case(link, "/tmp is writable by others")
    finally:
        shutil.rmtree(tmp)


def test_run_root_refuses_tools_others_can_write():
    """A clang in the first trusted directory is taken only when it and every directory on its
    way are root's and writable by nobody else; what it runs with is a fixed environment."""
    tmp = tempfile.mkdtemp()
    try:
        cache, tools = os.path.join(tmp, "cache"), os.path.join(tmp, "tools")
        os.mkdir(cache, 0o755)
        marker, envfile = os.path.join(tmp, "marker"), os.path.join(tmp, "env")
        prog = copy_program(tmp)
        clang = os.path.join(tools, "clang")
        script = f"#!/bin/sh\ntouch {marker}\nenv > {envfile}\nexec /usr/bin/clang \"$@\"\n"
        refused = "procsnoop run: refusing to run /usr/local/sbin/clang: "
        tail = " (a privileged run only takes root's tools)"
        binds = [(cache, "/var/cache"), (tools, "/usr/local/sbin")]

        def case(setup, why):
            shutil.rmtree(tools, ignore_errors=True)
            os.mkdir(tools, 0o755)
            write_file(clang, script, 0o755)
            setup()
            line = error_line(in_namespace(binds, "run", prog, "--help"))
            assert line == refused + why + tail, line
            assert not os.path.exists(marker)

        case(lambda: os.chmod(tools, 0o775), "/usr/local/sbin is writable by its group")
        case(lambda: os.chown(clang, NOBODY, NOBODY), f"/usr/local/sbin/clang is owned by uid {NOBODY}")
        case(lambda: os.chmod(clang, 0o757), "/usr/local/sbin/clang is writable by others")

        def link():
            os.unlink(clang)
            os.symlink(os.path.join(tmp, "nobodys-clang"), clang)
            write_file(os.path.join(tmp, "nobodys-clang"), script, 0o755, NOBODY)
        case(link, "/tmp is writable by others")

        # Root's own clang there is trusted, and runs with PATH and LC_ALL only.
        shutil.rmtree(tools)
        os.mkdir(tools, 0o755)
        write_file(clang, script, 0o755)
        p = in_namespace(binds, "run", prog, "--help", "-v",
                         env=dict(os.environ, LD_LIBRARY_PATH="/nonexistent", CPATH="/tmp"))
        assert p.returncode == 0, p.stderr
        assert compiled_object(p, prog) and " with /usr/local/sbin/clang" in p.stderr.decode()
        assert os.path.exists(marker)
        with open(envfile) as f:
            got = dict(l.split("=", 1) for l in f.read().splitlines())
        got.pop("PWD", None)  # dash's own
        assert got == {"PATH": TRUSTED_PATH, "LC_ALL": "C"}, got
    finally:
        shutil.rmtree(tmp)


def test_run_root_cache_entries_checked_before_use():
    """A cache entry that is a link, another user's or writable by the group is never used:
    it is made again, in its place."""
    tmp = tempfile.mkdtemp()
    try:
        cache = os.path.join(tmp, "cache")
        os.mkdir(cache, 0o755)
        prog = copy_program(tmp)
        other = copy_program(tmp, "other", SEED000)
        p = in_cache(cache, "run", other, "--help", "-v")
        other_obj = host_path(cache, compiled_object(p, other))
        vmh = host_path(cache, re.search(r"making (\S+) with", p.stderr.decode()).group(1))
        p = in_cache(cache, "run", prog, "--help", "-v")
        obj = host_path(cache, compiled_object(p, prog))
        deps = obj[:-len(".bpf.o")] + ".deps"
        with open(other_obj, "rb") as f:
            other_bytes = f.read()

        def planted_link(path):
            os.unlink(path)
            os.symlink(other_obj, path)

        def nobodys(path):
            os.chown(path, NOBODY, NOBODY)

        def group_writable(path):
            os.chmod(path, 0o620)

        for path, tamper, again in [(obj, planted_link, "compiling"), (obj, nobodys, "compiling"),
                                    (obj, group_writable, "compiling"),
                                    (deps, planted_link, "compiling"),
                                    (deps, group_writable, "compiling"),
                                    (vmh, group_writable, "making"), (vmh, nobodys, "making")]:
            tamper(path)
            p = in_cache(cache, "run", prog, "--help", "-v")
            err = p.stderr.decode()
            assert p.returncode == 0, (path, tamper.__name__, err)
            assert "Trace open family syscalls." in p.stdout.decode(), (path, tamper.__name__)
            assert re.search(rf"^procsnoop run: {again} ", err, re.M), (path, tamper.__name__, err)
            if again == "making":
                # The object's key holds the kernel's BTF, not the header made from it.
                assert f"procsnoop run: found {prog} in " in err, err
            st = os.lstat(path)
            assert (st.st_uid, st.st_mode & 0o7777) == (0, 0o600), (path, tamper.__name__)
            assert not os.path.islink(path), (path, tamper.__name__)
            with open(other_obj, "rb") as f:
                assert f.read() == other_bytes
            p = in_cache(cache, "run", prog, "--help", "-v")
            assert b"procsnoop run: found " in p.stderr, p.stderr
            assert compiled_object(p, prog) is None, p.stderr
    finally:
        shutil.rmtree(tmp)


def test_run_user_keeps_own_cache_and_clang():
    """Without privileges, $XDG_CACHE_HOME and $CLANG are the user's own business."""
    tmp = tempfile.mkdtemp()
    try:
        os.chmod(tmp, 0o755)
        home = os.path.join(tmp, "home")
        os.mkdir(home)
        os.chown(home, NOBODY, NOBODY)
        marker = os.path.join(home, "marker")
        myclang = os.path.join(home, "myclang")
        write_file(myclang, f"#!/bin/sh\ntouch {marker}\nexec /usr/bin/clang \"$@\"\n", 0o755,
                   NOBODY)
        prog = copy_program(tmp)
        xdg = os.path.join(home, "xdg")
        env = dict(os.environ, XDG_CACHE_HOME=xdg, CLANG=myclang, HOME=home)
        p = run("setpriv", "--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups",
                PROCSNOOP, "run", prog, "--help", "-v", env=env)
        assert p.returncode == 0, p.stderr
        obj = compiled_object(p, prog)
        assert obj and obj.startswith(xdg + "/procsnoop/"), p.stderr
        assert f" with {myclang}\n" in p.stderr.decode(), p.stderr
        assert b"running privileged" not in p.stderr
        assert os.path.exists(marker) and os.stat(marker).st_uid == NOBODY
        st = os.stat(os.path.join(xdg, "procsnoop"))
        assert (st.st_uid, st.st_mode & 0o777) == (NOBODY, 0o700)
        assert (os.stat(obj).st_uid, os.stat(obj).st_mode & 0o777) == (NOBODY, 0o600)
    finally:
        shutil.rmtree(tmp)


def contents(d):
    out = {}
    for f in os.listdir(d):
        with open(os.path.join(d, f), "rb") as fh:
            out[f] = fh.read()
    return out


def fuzz(name):
    """A few seconds of a fuzzer, seeded from fuzz/corpus/NAME, which it only reads: new
    inputs and any crash go to a scratch directory (libFuzzer writes to the first only)."""
    binary = os.path.join(BUILD, "fuzz", "fuzz_" + name)
    assert os.path.exists(binary), f"{binary} was not built"
    corpus = os.path.join(ROOT, "fuzz", "corpus", name)
    seeds = sorted(os.listdir(corpus))
    # libFuzzer skips empty files.
    nonempty = [f for f in seeds if os.path.getsize(os.path.join(corpus, f))]
    assert len(nonempty) >= 10, seeds
    before = contents(corpus)
    scratch = tempfile.mkdtemp()
    try:
        p = run(binary, "-max_total_time=4", "-seed=1", "-rss_limit_mb=1024", "-timeout=10",
                "-artifact_prefix=" + scratch + "/", scratch, corpus, timeout=120)
        err = p.stderr.decode("utf-8", "replace")
        assert p.returncode == 0, err[-3000:]
        assert re.search(rf"^INFO: +{len(nonempty)} files found in {re.escape(corpus)}$", err,
                         re.M), err[:2000]
        m = re.search(r"Done (\d+) runs", err)
        assert m and int(m.group(1)) > 1000, err[-1000:]
        assert os.listdir(scratch), "no new inputs"
    finally:
        shutil.rmtree(scratch)
    assert contents(corpus) == before, "the repository's corpus was written to"


def test_run_fuzz_doccomment():
    fuzz("doccomment")


def test_run_fuzz_btf_schema():
    fuzz("btf_schema")
