"""Least privilege: what procsnoop needs to start, and what it keeps once attached."""
import os
import shutil
import signal
import tempfile

from harness import PROCSNOOP, Trace, assert_fields, usage_error
from test_sig import Target, act, by_source


def status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)


def assert_no_capabilities(pid, bounding=True):
    """The bounding set can only be emptied by a start that had CAP_SETPCAP."""
    st = status(pid)
    for key in ("CapEff", "CapPrm", "CapInh", "CapAmb") + (("CapBnd",) if bounding else ()):
        assert int(st[key], 16) == 0, (key, st[key])
    assert st["NoNewPrivs"] == "1"
    return st


def test_drops_every_capability_once_attached():
    with Target() as target, Trace("sig", "--target", str(target.pid)) as tr:
        st = assert_no_capabilities(tr.proc.pid)
        assert st["Uid"].split()[0] == "0"
        act(f"kill:{target.pid}:10")
        [e] = tr.wait_for(by_source("kill"))
        assert_fields(e, sig="SIGUSR1", result="delivered")
        assert tr.stop(signal.SIGTERM) == 0
        assert "0 lost" in tr.stderr()


def test_user_switches_and_keeps_tracing():
    with Target() as target, Trace("sig", "--user", "nobody", "--target", str(target.pid)) as tr:
        st = assert_no_capabilities(tr.proc.pid)
        assert st["Uid"].split() == ["65534"] * 4
        assert st["Groups"].strip() == ""
        act(f"kill:{target.pid}:12")
        [e] = tr.wait_for(by_source("kill"))
        assert_fields(e, sig="SIGUSR2", target_pid=target.pid)
        assert tr.stop() == 0


def test_starts_as_root_with_only_bpf_and_perfmon():
    prefix = ["setpriv", "--bounding-set", "-all,+bpf,+perfmon", "--inh-caps", "-all",
              "--ambient-caps", "-all"]
    with Target() as target, Trace("sig", "--target", str(target.pid), prefix=prefix) as tr:
        act(f"kill:{target.pid}:10")
        tr.wait_for(by_source("kill"))
        assert tr.stop() == 0


def test_starts_as_non_root_with_three_capabilities():
    caps = "-all,+bpf,+perfmon,+dac_read_search"
    prefix = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
              "--inh-caps", caps, "--ambient-caps", caps]
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        binary = shutil.copy(PROCSNOOP, os.path.join(d, "procsnoop"))
        os.chmod(binary, 0o755)
        with Target() as target, Trace("sig", "--target", str(target.pid), prefix=prefix,
                                       binary=binary) as tr:
            act(f"kill:{target.pid}:10")
            [e] = tr.wait_for(by_source("kill"))
            assert_fields(e, sig="SIGUSR1")
            assert_no_capabilities(tr.proc.pid, bounding=False)
            assert tr.stop() == 0


def test_unknown_user():
    assert "invalid user 'no-such-user-x': no such user" in usage_error(
        "sig", "--user", "no-such-user-x")
