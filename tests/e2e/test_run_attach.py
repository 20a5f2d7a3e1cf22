"""procsnoop run attaches BTF tracepoints, raw tracepoints and fentry programs by their section
name: real signals to a known target, each seen once per attachment."""
import os
import signal

from harness import PROCSNOOP, ROOT, Trace, run
from test_sig import Target

ATTACH = os.path.join(ROOT, "tests", "programs", "attach")
SANITIZED = ("test_run_tp_btf_and_raw_tracepoint",)


def test_run_tp_btf_and_raw_tracepoint():
    with Target() as target, Trace("run", os.path.join(ATTACH, "kinds.bpf.c"),
                                   "--target", str(target.pid)) as tr:
        os.kill(target.pid, signal.SIGWINCH)
        os.kill(target.pid, signal.SIGURG)
        evs = tr.wait_for(lambda e: e.get("type") == "event", count=4)
        assert tr.stop() == 0
    got = sorted((e["sig"], e["via"]) for e in evs)
    assert got == [(signal.SIGURG, "VIA_RAW_TP"), (signal.SIGURG, "VIA_TP_BTF"),
                   (signal.SIGWINCH, "VIA_RAW_TP"), (signal.SIGWINCH, "VIA_TP_BTF")], evs
    assert all(e["pid"] == target.pid for e in evs), evs


def function_tracing_allowed():
    try:
        with open("/sys/kernel/tracing/available_filter_functions") as f:
            f.read(1)
        return True
    except PermissionError:
        return False


def test_run_fentry_attaches_or_names_the_refusal():
    """Where the host permits function tracing, fentry events arrive; where its policy forbids
    it (this VM: tracefs' function lists are EPERM even for root), one line names the program."""
    prog = os.path.join(ATTACH, "fentry.bpf.c")
    if not function_tracing_allowed():
        p = run(PROCSNOOP, "run", prog, "--target", "1", "-d", "1")
        err = p.stderr.decode()
        assert p.returncode == 2, (p.returncode, err)
        assert err.strip().splitlines() == [
            f"procsnoop run: the kernel does not permit {prog}'s program on_kill "
            "(fentry/__x64_sys_kill) on this host: Operation not permitted"], err
        return
    with Target() as target, Trace("run", prog, "--target", str(target.pid)) as tr:
        os.kill(target.pid, signal.SIGWINCH)
        [e] = tr.wait_for(lambda e: e.get("type") == "event")
        assert (e["pid"], e["sig"], e["via"]) == (target.pid, signal.SIGWINCH, "VIA_FENTRY"), e
        assert tr.stop() == 0
