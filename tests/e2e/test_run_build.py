"""procsnoop run --build: one object that carries what a run takes from the source (the flags'
help, the annotations, the event type), and runs as the source does on a host without clang;
--btf FILE for a kernel without /sys/kernel/btf/vmlinux. clang is hidden by binding an empty
file over it in a mount namespace of the run's own."""
import os
import re
import shutil
import signal
import subprocess
import tempfile

from harness import PROCSNOOP, ROOT, Trace, run, usage_error
from test_run_net import PORT, printks, send_udp
from test_run import fuzz
from test_sig import Target

PROGS = os.path.join(ROOT, "tests", "programs")
ANNOTATIONS = os.path.join(PROGS, "annotations", "annotations.bpf.c")
ANNOTATIONS_H = os.path.join(PROGS, "annotations", "annotations.h")
FEATURES = os.path.join(PROGS, "features", "features.bpf.c")
SEED002 = os.path.join(PROGS, "seed002", "sigsnoop.bpf.c")
SEED002_H = os.path.join(PROGS, "seed002", "sigsnoop.h")
TC = os.path.join(PROGS, "net", "tc.bpf.c")
KERNEL_BTF = "/sys/kernel/btf/vmlinux"


def hide(*paths):
    """A prefix that runs a command in a mount namespace of its own where each path (a file)
    is an empty file."""
    binds = " && ".join(f"mount --bind /dev/null {p}" for p in paths)
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            f'{binds} && exec "$@"', "hide"]


def clang_files():
    """The files behind every clang and bpftool procsnoop could find."""
    out = set()
    for d in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        for name in ("clang", "bpftool"):
            p = os.path.join(d, name)
            if os.path.exists(p):
                out.add(os.path.realpath(p))
    assert any("clang" in p for p in out), out
    return sorted(out)


NO_CLANG = hide(*clang_files())


def build(tmp, *args):
    """procsnoop run --build ARGS -O tmp/NAME; returns the object's path."""
    obj = os.path.join(tmp, os.path.basename(args[0]).replace(".bpf.c", ".bpf.o"))
    p = run(PROCSNOOP, "run", "--build", *args, "-O", obj)
    assert p.returncode == 0, p.stderr
    assert p.stderr.decode() == (f"procsnoop run: wrote {obj}: procsnoop run {obj} runs it as "
                                 f"{args[0]}, without clang\n"), p.stderr
    return obj


def test_build_without_clang_same_help_and_version():
    """Every annotation's help (@brief, @details, @cmdarg, the bool switches, @version) is the
    source's; the object needs no clang, while the source, with clang hidden, cannot run."""
    with tempfile.TemporaryDirectory() as tmp:
        obj = build(tmp, ANNOTATIONS, ANNOTATIONS_H)
        for flag in ("--help", "--version"):
            src = run(PROCSNOOP, "run", ANNOTATIONS, ANNOTATIONS_H, flag)
            got = run(*NO_CLANG, PROCSNOOP, "run", obj, flag)
            assert src.returncode == got.returncode == 0, (src.stderr, got.stderr)
            assert got.stdout == src.stdout, (flag, got.stdout.decode()[-800:])
            assert src.stdout.startswith(b"Usage:" if flag == "--help" else b"annotations 1.2.3\n")
        # Proof that clang is hidden: a source that is not in the cache cannot compile.
        fresh = os.path.join(tmp, "fresh.bpf.c")
        with open(FEATURES) as f, open(fresh, "w") as g:
            g.write(f.read() + "\n/* not cached */\n")
        p = run(*NO_CLANG, PROCSNOOP, "run", fresh, "-d", "0.1", env=dict(
            os.environ, XDG_CACHE_HOME=tmp))
        assert p.returncode != 0, p.stderr


def events_of(*args, prefix=()):
    """Three signals to a target under procsnoop run ARGS: its events, without their times."""
    with Target() as target, Trace("run", *args, "--target", str(target.pid), "--tag", "hi",
                                   "-i", "60", prefix=prefix) as tr:
        os.kill(target.pid, 0)
        os.kill(target.pid, signal.SIGCONT)
        os.kill(target.pid, signal.SIGCHLD)
        tr.wait_for(lambda e: e["type"] == "event", count=3, timeout=10)
        assert tr.stop() == 0, tr.stderr()
    # The target differs from run to run: its pid is a placeholder in both.
    evs = [{k: "TARGET" if v == target.pid else v for k, v in e.items() if k != "time"}
           for e in tr.events()]
    return evs, tr.stderr()


def test_build_runs_as_the_source():
    """The same events and sampled maps, field by field, from the object without clang."""
    with tempfile.TemporaryDirectory() as tmp:
        obj = build(tmp, FEATURES)
        src, src_err = events_of(FEATURES)
        got, got_err = events_of(obj, prefix=NO_CLANG)
    assert [e["type"] for e in got] == [e["type"] for e in src]
    assert [e for e in got if e["type"] == "event"] and got == src, (got, src)
    assert got_err == src_err, (got_err, src_err)


def test_build_keeps_the_event_type_of_a_header():
    """seed002's event struct is named by the header given at build time: the object alone
    knows it."""
    with tempfile.TemporaryDirectory() as tmp:
        obj = build(tmp, SEED002, SEED002_H)
        with Target() as target, Trace("run", obj, "--target_signal", "18", "--filtered_pid",
                                       str(os.getpid()), prefix=NO_CLANG) as tr:
            os.kill(target.pid, signal.SIGCONT)
            evs = tr.wait_for(lambda e: e.get("tpid") == target.pid, count=2, timeout=10)
            assert tr.stop() == 0
    assert {e["type"] for e in evs} == {"event"} and all(e["sig"] == 18 for e in evs), evs


def test_build_tc_attaches_from_its_annotations():
    """A tc program's @tchook/@tcopts come with the object: it attaches to lo as the source."""
    with tempfile.TemporaryDirectory() as tmp:
        obj = build(tmp, TC)
        with Trace("run", obj, "--port", str(PORT), prefix=NO_CLANG) as tr:
            send_udp("127.0.0.1", PORT, 100, 3)
            evs = tr.wait_for(lambda e: e.get("type") == "packet", count=3, timeout=10)
            printks(tr, "tc udp tot_len 128 ttl 64", 3)
            assert tr.stop() == 0
    assert all((e["ip_len"], e["udp_len"], e["dport"]) == (128, 108, PORT) for e in evs), evs
    assert re.search(r"^procsnoop run: attached tc_ingress to lo \(ifindex 1\) ingress ",
                     tr.stderr(), re.M), tr.stderr()


def test_btf_file_for_a_kernel_without_btf():
    """With /sys/kernel/btf/vmlinux hidden, --btf FILE gives libbpf the kernel's types; without
    it the run says what is missing in one line."""
    with tempfile.TemporaryDirectory() as tmp:
        obj = build(tmp, FEATURES)
        btf = os.path.join(tmp, "vmlinux.btf")
        shutil.copy(KERNEL_BTF, btf)
        no_btf = hide(KERNEL_BTF, *clang_files())
        got, _ = events_of(obj, "--btf", btf, prefix=no_btf)
        assert [e["kind"] for e in got if e["type"] == "event"] == \
            ["KIND_PROBE", "KIND_CONT", "KIND_OTHER"], got
        p = run(*no_btf, PROCSNOOP, "run", obj, "-d", "1")
        lines = p.stderr.decode().splitlines()
        assert p.returncode == 2 and len(lines) == 1 and "--btf" in lines[0], p.stderr


def test_build_bad_input():
    with tempfile.TemporaryDirectory() as tmp:
        obj = build(tmp, FEATURES)
        assert usage_error("run", "--build", obj) == (
            f"procsnoop run: --build takes a C source, and {obj} is an object already")
        p = run(PROCSNOOP, "run", "--build", FEATURES, "-O", "/nonexistent/dir/x.bpf.o")
        assert p.returncode == 1 and p.stderr.decode().startswith(
            "procsnoop run: cannot write /nonexistent/dir/x.bpf.o: "), p.stderr
        # A section that is not one --build wrote.
        bad = os.path.join(tmp, "bad.bpf.o")
        with open(obj, "rb") as f:
            data = f.read()
        with open(bad, "wb") as f:
            f.write(data.replace(b"procsnoop-run 1\n", b"procsnoop-run 9\n"))
        assert usage_error("run", bad) == (
            f"procsnoop run: {bad}: its .procsnoop.run section is not one procsnoop run "
            "--build wrote")


def test_fuzz_embed():
    """The section of an object from anyone: its parser under libFuzzer for a few seconds."""
    fuzz("embed")
