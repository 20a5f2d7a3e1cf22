"""procsnoop run attaches tc and xdp programs where their annotations (or --ifindex/--ifname)
say, sees the packets the test sends with their exact sizes, and leaves nothing attached after
SIGINT, SIGTERM or SIGKILL: on lo, and on a veth pair between two private network namespaces."""
import os
import re
import signal
import subprocess
import tempfile
import time

from harness import CONTAINER_KEYS, PROCSNOOP, ROOT, Trace, run, usage_error

NET = os.path.join(ROOT, "tests", "programs", "net")
TC = os.path.join(NET, "tc.bpf.c")
XDP = os.path.join(NET, "xdp.bpf.c")
BAD = os.path.join(NET, "bad")
# Ports of our own, so that other traffic on lo never counts.
PORT = 47000 + os.getpid() % 1000

SANITIZED = ("test_run_tc_on_lo_sigint", "test_run_tc_on_lo_sigterm_clsact", "test_run_xdp_on_lo_sigterm",
             "test_run_tc_clsact_qdisc_after_sigkill_on_veth")

SEND = ("import socket, sys\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "for _ in range(int(sys.argv[4])):\n"
        "    s.sendto(b'p' * int(sys.argv[3]), (sys.argv[1], int(sys.argv[2])))\n")


def send_udp(addr, port, size, count, netns=None):
    """count UDP datagrams of size bytes to addr:port, from netns when given."""
    prefix = ["ip", "netns", "exec", netns] if netns else []
    p = run(*prefix, "python3", "-c", SEND, addr, str(port), str(size), str(count))
    assert p.returncode == 0, p.stderr


def sh(*args, ok=True):
    p = run(*args)
    if ok:
        assert p.returncode == 0, (args, p.stderr.decode())
    return p.stdout.decode()


def tc_filters(dev, netns=None):
    prefix = ["ip", "netns", "exec", netns] if netns else []
    return sh(*prefix, "tc", "filter", "show", "dev", dev, "ingress") + \
        sh(*prefix, "tc", "filter", "show", "dev", dev, "egress")


def xdp_on(dev, netns=None):
    prefix = ["ip", "netns", "exec", netns] if netns else []
    return "xdp" in sh(*prefix, "ip", "link", "show", "dev", dev)


def qdiscs(dev, netns):
    return sh("ip", "netns", "exec", netns, "tc", "qdisc", "show", "dev", dev)


def link_ids(stderr):
    return [int(m) for m in re.findall(r", link (\d+)$", stderr, re.M)]


def link_exists(link_id):
    return run("bpftool", "link", "show", "id", str(link_id)).returncode == 0


def eventually(pred, what, timeout=5.0):
    """Links are released by the kernel's work queue after the process is gone."""
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def packets(tr, typ, n, timeout=10):
    return tr.wait_for(lambda e: e.get("type") == typ, count=n, timeout=timeout)


def printks(tr, text, n):
    return tr.wait_for(lambda e: e.get("type") == "printk" and e.get("msg") == text, count=n)


def check_tc_lo(sig, mode):
    with Trace("run", TC, "--port", str(PORT), "--tc-mode", mode) as tr:
        send_udp("127.0.0.1", PORT, 100, 3)
        evs = packets(tr, "packet", 3)
        printks(tr, "tc udp tot_len 128 ttl 64", 3)
        if mode == "clsact":
            assert "tc_ingress" in tc_filters("lo"), tc_filters("lo")
        else:
            assert [link_exists(i) for i in link_ids(tr.stderr())] == [True], tr.stderr()
        rc = tr.stop(sig)
    for e in evs:
        assert (e["ifindex"], e["ingress"], e["ip_len"], e["udp_len"], e["dport"], e["ttl"]) \
            == (1, 1, 128, 108, PORT, 64), e
        # A tc program runs in no task's context: no cgroup ids, no container keys.
        assert not CONTAINER_KEYS & set(e), e
    err = tr.stderr()
    if mode == "clsact":
        assert ("procsnoop run: attached tc_ingress to lo (ifindex 1) ingress as a clsact tc "
                "filter, handle 1 priority 1\n") in err, err
    else:
        assert re.search(r"^procsnoop run: attached tc_ingress to lo \(ifindex 1\) ingress through "
                         r"tcx, first in line, link \d+$", err, re.M), err
    return rc, err


def test_run_tc_on_lo_sigint():
    rc, err = check_tc_lo(signal.SIGINT, "auto")
    assert rc == 0, err
    assert "3 events, 0 lost" in err, err
    [lid] = link_ids(err)
    eventually(lambda: not link_exists(lid), f"tcx link {lid} outlived procsnoop")
    assert "tc_ingress" not in tc_filters("lo")


def test_run_tc_on_lo_sigterm_clsact():
    rc, err = check_tc_lo(signal.SIGTERM, "clsact")
    assert rc == 0, err
    assert tc_filters("lo") == "", tc_filters("lo")
    assert not any(f.startswith("tc-") and f.endswith("-1-ingress-1-1")
                   for f in os.listdir("/run/procsnoop")), os.listdir("/run/procsnoop")


def test_run_tc_sigkill_tcx_leaves_nothing():
    rc, err = check_tc_lo(signal.SIGKILL, "tcx")
    assert rc == -signal.SIGKILL
    [lid] = link_ids(err)
    eventually(lambda: not link_exists(lid), f"tcx link {lid} outlived a SIGKILL")
    assert "tc_ingress" not in tc_filters("lo")


def test_run_tc_sigkill_clsact_removed_at_next_start():
    """A clsact filter outlives a SIGKILL; the next run recognises it as its own and removes it."""
    rc, _ = check_tc_lo(signal.SIGKILL, "clsact")
    assert rc == -signal.SIGKILL
    left = tc_filters("lo")
    assert "tc_ingress" in left, left
    m = re.search(r" id (\d+) name tc_ingress", left)
    rc, err = check_tc_lo(signal.SIGINT, "clsact")
    assert rc == 0, err
    assert re.search(r"^procsnoop run: removed tc filter handle 1 priority 1 \(program id "
                     + m.group(1) + r"\) that an earlier run \(pid \d+\) left on lo ingress$",
                     err, re.M), err
    assert tc_filters("lo") == "", tc_filters("lo")


def other_object(d):
    """A tc program of someone else's (program other, section tc), built in d."""
    obj, src = os.path.join(d, "other.o"), os.path.join(d, "other.c")
    with open(src, "w") as f:
        f.write("__attribute__((section(\"tc\"), used)) int other(void *c) { return 0; }\n"
                "char LICENSE[] __attribute__((section(\"license\"), used)) = \"GPL\";\n")
    sh("clang", "-O2", "-target", "bpf", "-c", "-o", obj, src)
    return obj


def test_run_tc_clsact_slot_of_another_is_kept():
    """A filter at our handle and priority that procsnoop did not put there stays, and the run
    says whose place it is."""
    with tempfile.TemporaryDirectory() as d:
        obj = other_object(d)
        had_clsact = "clsact" in sh("tc", "qdisc", "show", "dev", "lo")
        sh("tc", "qdisc", "add", "dev", "lo", "clsact", ok=False)
        sh("tc", "filter", "add", "dev", "lo", "ingress", "prio", "1", "handle", "1", "bpf", "da",
           "obj", obj, "sec", "tc")
        try:
            p = run(PROCSNOOP, "run", TC, "--tc-mode", "clsact")
            err = p.stderr.decode()
            assert p.returncode == 1, (p.returncode, err)
            assert "lo ingress already has a tc filter with handle 1 priority 1" in err, err
            assert "not procsnoop's" in err, err
            assert "other" in tc_filters("lo")
        finally:
            sh("tc", "filter", "del", "dev", "lo", "ingress", "prio", "1", "handle", "1", "bpf",
               ok=False)
            if not had_clsact:
                sh("tc", "qdisc", "del", "dev", "lo", "clsact", ok=False)


def test_run_xdp_on_lo_sigterm():
    with Trace("run", XDP, "--port", str(PORT)) as tr:
        assert xdp_on("lo")
        send_udp("127.0.0.1", PORT, 70, 2)
        evs = packets(tr, "frame", 2)
        printks(tr, "xdp packet size is 112", 2)
        assert tr.stop(signal.SIGTERM) == 0
    for e in evs:
        assert (e["ifindex"], e["size"], e["udp_len"], e["dport"]) == (1, 112, 78, PORT), e
    err = tr.stderr()
    assert re.search(r"^procsnoop run: attached xdp_pass to lo \(ifindex 1\) through xdp in "
                     r"generic \(skb\) mode \(its driver has no native xdp\), link \d+$", err,
                     re.M), err
    assert not xdp_on("lo")


def test_run_xdp_sigkill_leaves_nothing():
    with Trace("run", XDP, "--port", str(PORT)) as tr:
        assert [link_exists(i) for i in link_ids(tr.stderr())] == [True], tr.stderr()
        send_udp("127.0.0.1", PORT, 10, 1)
        packets(tr, "frame", 1)
        assert tr.stop(signal.SIGKILL) == -signal.SIGKILL
    [lid] = link_ids(tr.stderr())
    eventually(lambda: not link_exists(lid), f"xdp link {lid} outlived a SIGKILL")
    eventually(lambda: not xdp_on("lo"), "xdp stayed on lo after a SIGKILL")


class VethPair:
    """Two private network namespaces joined by a veth pair: a (10.77.0.1) and b (10.77.0.2)."""

    def __init__(self):
        tag = f"{os.getpid() % 100000}"
        self.a, self.b = f"psnoop-a{tag}", f"psnoop-b{tag}"
        self.dev_a, self.dev_b = "va", "vb"

    def __enter__(self):
        for ns in (self.a, self.b):
            sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", "psnoop-va", "type", "veth", "peer", "name", "psnoop-vb")
        sh("ip", "link", "set", "psnoop-va", "netns", self.a, "name", self.dev_a)
        sh("ip", "link", "set", "psnoop-vb", "netns", self.b, "name", self.dev_b)
        for ns, dev, addr in ((self.a, self.dev_a, "10.77.0.1/24"),
                              (self.b, self.dev_b, "10.77.0.2/24")):
            sh("ip", "-n", ns, "addr", "add", addr, "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        self.ifindex_a = int(sh("ip", "netns", "exec", self.a, "cat",
                                f"/sys/class/net/{self.dev_a}/ifindex"))
        return self

    def __exit__(self, *exc):
        for ns in (self.a, self.b):
            run("ip", "netns", "del", ns)


def test_run_tc_on_veth_in_netns():
    """The annotation says lo; --ifname picks the veth end in the namespace procsnoop runs in.
    Then the same program as written attaches to that namespace's own lo."""
    with VethPair() as v:
        with Trace("run", TC, "--port", str(PORT), "--ifname", v.dev_a, "--tc-mode", "clsact",
                   prefix=("ip", "netns", "exec", v.a)) as tr:
            send_udp("10.77.0.1", PORT, 200, 4, netns=v.b)
            evs = packets(tr, "packet", 4)
            printks(tr, "tc udp tot_len 228 ttl 64", 4)
            assert "tc_ingress" in tc_filters(v.dev_a, v.a)
            assert tr.stop(signal.SIGINT) == 0
        assert all((e["ifindex"], e["ip_len"], e["udp_len"]) == (v.ifindex_a, 228, 208)
                   for e in evs), evs
        assert f"attached tc_ingress to {v.dev_a} (ifindex {v.ifindex_a}) ingress" in tr.stderr()
        assert tc_filters(v.dev_a, v.a) == ""
        # The clsact qdisc procsnoop made for the filter went with it.
        assert "clsact" not in qdiscs(v.dev_a, v.a)

        with Trace("run", TC, "--port", str(PORT), prefix=("ip", "netns", "exec", v.a)) as tr:
            send_udp("127.0.0.1", PORT, 5, 1, netns=v.a)
            [e] = packets(tr, "packet", 1)
            assert (e["ifindex"], e["ip_len"]) == (1, 33), e
            assert tr.stop(signal.SIGTERM) == 0
        [lid] = link_ids(tr.stderr())
        eventually(lambda: not link_exists(lid), f"tcx link {lid} outlived procsnoop")


def test_run_tc_egress_and_xdp_on_veth_sigkill():
    """An egress variant of the program (@tchook BPF_TC_EGRESS) on one end of the pair, then
    the xdp program on the other (trace_pipe has one reader at a time), each killed: nothing
    stays on either end."""
    with VethPair() as v, tempfile.TemporaryDirectory() as d:
        egress = os.path.join(d, "egress.bpf.c")
        with open(TC) as f:
            src = f.read().replace("BPF_TC_INGRESS", "BPF_TC_EGRESS")
        with open(egress, "w") as f:
            f.write(src)
        with Trace("run", egress, "--port", str(PORT), "--ifname", v.dev_a,
                   prefix=("ip", "netns", "exec", v.a)) as out:
            send_udp("10.77.0.2", PORT, 300, 2, netns=v.a)
            sent = packets(out, "packet", 2)
            printks(out, "tc udp tot_len 328 ttl 64", 2)
            assert out.stop(signal.SIGKILL) == -signal.SIGKILL
        assert all((e["ingress"], e["ip_len"], e["udp_len"]) == (0, 328, 308) for e in sent), sent
        assert re.search(rf"^procsnoop run: attached tc_ingress to {v.dev_a} \(ifindex "
                         rf"{v.ifindex_a}\) egress through tcx", out.stderr(), re.M), out.stderr()

        with Trace("run", XDP, "--port", str(PORT), "--ifname", v.dev_b,
                   prefix=("ip", "netns", "exec", v.b)) as inn:
            assert xdp_on(v.dev_b, v.b)
            send_udp("10.77.0.2", PORT, 300, 2, netns=v.a)
            got = packets(inn, "frame", 2)
            printks(inn, "xdp packet size is 342", 2)
            assert inn.stop(signal.SIGKILL) == -signal.SIGKILL
        assert all((e["size"], e["udp_len"], e["dport"]) == (342, 308, PORT) for e in got), got
        assert re.search(rf"^procsnoop run: attached xdp_pass to {v.dev_b} \(ifindex \d+\) "
                         r"through xdp in native \(driver\) mode, link \d+$", inn.stderr(),
                         re.M), inn.stderr()
        for lid in link_ids(out.stderr()) + link_ids(inn.stderr()):
            eventually(lambda: not link_exists(lid), f"link {lid} outlived a SIGKILL")
        eventually(lambda: not xdp_on(v.dev_b, v.b), "xdp stayed on vb")
        assert tc_filters(v.dev_a, v.a) == ""


def test_run_net_bad_input_one_line():
    cases = [
        ([TC, "--ifname", "psnoop-none0"], "procsnoop run: --ifname: no network interface named "
         "'psnoop-none0'"),
        ([TC, "--ifindex", "987654"], "procsnoop run: --ifindex: no network interface has index "
         "987654"),
        ([TC, "--ifindex", "lo"], "invalid interface index 'lo'"),
        ([TC, "--tc-mode", "fast"], "invalid --tc-mode 'fast': auto, tcx or clsact"),
        ([os.path.join(BAD, "tcopts.bpf.c")], "procsnoop run: program tc_ingress (SEC(\"tc\")): "
         "@tcopts: not a valid JSON object: {\"handle\":1, \"priority\":}"),
        ([os.path.join(BAD, "priority.bpf.c")], "@tcopts: priority is a number from 0 to 65535"),
        ([os.path.join(BAD, "noiface.bpf.c")], "@tchook: no network interface named "
         "'psnoop-none0'"),
        ([os.path.join(BAD, "xdpflags.bpf.c")], "@flags: 'XDP_FLAGS_TURBO' is neither a number "
         "nor an XDP_FLAGS_ name"),
    ]
    for args, want in cases:
        line = usage_error("run", *args)
        assert want in line, (args, line)
    assert tc_filters("lo") == "" and not xdp_on("lo")


def variant(d, name, *subs):
    """TC with some text replaced, as d/name."""
    with open(TC) as f:
        src = f.read()
    for old, new in subs:
        assert old in src, old
        src = src.replace(old, new)
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(src)
    return path


def test_run_tc_section_names_the_direction():
    """SEC("tcx/egress") and SEC("tc/egress") (sections libbpf 1.1 does not know) attach to
    egress, through tcx and as a clsact filter; a @tchook that contradicts the section is
    refused in one line."""
    with tempfile.TemporaryDirectory() as d:
        for sec, mode, how in (("tcx/egress", "auto", "through tcx"),
                               ("tc/egress", "clsact", "as a clsact tc filter")):
            prog = variant(d, sec.replace("/", "_") + ".bpf.c", ('SEC("tc")', f'SEC("{sec}")'),
                           ('"attach_point":"BPF_TC_INGRESS"', '"ifname":"lo"'))
            with Trace("run", prog, "--port", str(PORT), "--tc-mode", mode) as tr:
                send_udp("127.0.0.1", PORT, 1, 1)
                [e] = packets(tr, "packet", 1)
                assert (e["ingress"], e["ip_len"]) == (0, 29), e
                assert tr.stop() == 0
            assert f"attached tc_ingress to lo (ifindex 1) egress {how}" in tr.stderr()
            assert tc_filters("lo") == ""
        prog = variant(d, "contra.bpf.c", ('SEC("tc")', 'SEC("tc/ingress")'),
                       ("BPF_TC_INGRESS", "BPF_TC_EGRESS"))
        line = usage_error("run", prog)
        assert line == ('procsnoop run: program tc_ingress (SEC("tc/ingress")): @tchook: '
                        "attach_point BPF_TC_EGRESS contradicts the section"), line


def test_run_tc_clsact_qdisc_after_sigkill_on_veth():
    """A killed run leaves its filter and the clsact qdisc it made; the next run removes the
    filter, and at its stop the qdisc, which it now owns, unless another filter is on it."""
    with VethPair() as v, tempfile.TemporaryDirectory() as d:
        args = ("run", TC, "--port", str(PORT), "--ifname", v.dev_a, "--tc-mode", "clsact")
        ns = ("ip", "netns", "exec", v.a)
        for other in (False, True):
            with Trace(*args, prefix=ns) as tr:
                assert tr.stop(signal.SIGKILL) == -signal.SIGKILL
            assert "clsact" in qdiscs(v.dev_a, v.a) and "tc_ingress" in tc_filters(v.dev_a, v.a)
            if other:
                sh(*ns, "tc", "filter", "add", "dev", v.dev_a, "egress", "prio", "7", "handle",
                   "7", "bpf", "da", "obj", other_object(d), "sec", "tc")
            with Trace(*args, prefix=ns) as tr:
                send_udp("10.77.0.1", PORT, 40, 1, netns=v.b)
                [e] = packets(tr, "packet", 1)
                assert e["ip_len"] == 68, e
                assert tr.stop(signal.SIGTERM) == 0
            assert "that an earlier run (pid " in tr.stderr(), tr.stderr()
            assert "tc_ingress" not in tc_filters(v.dev_a, v.a)
            assert ("clsact" in qdiscs(v.dev_a, v.a)) == other, qdiscs(v.dev_a, v.a)
            if other:
                assert "other" in tc_filters(v.dev_a, v.a)


def test_run_xdp_interface_by_name_and_flag_names():
    """@ifindex takes a name, @flags names joined with '|' (a link always does what
    UPDATE_IF_NOEXIST asks); the mode asked for is the mode used."""
    with tempfile.TemporaryDirectory() as d:
        with open(XDP) as f:
            src = f.read()
        src = src.replace("/// @ifindex 1", "/// @ifindex lo").replace(
            "/// @flags 0", "/// @flags XDP_FLAGS_UPDATE_IF_NOEXIST|XDP_FLAGS_SKB_MODE")
        prog = os.path.join(d, "named.bpf.c")
        with open(prog, "w") as f:
            f.write(src)
        with Trace("run", prog, "--port", str(PORT)) as tr:
            send_udp("127.0.0.1", PORT, 58, 1)
            [e] = packets(tr, "frame", 1)
            assert (e["ifindex"], e["size"]) == (1, 100), e
            assert tr.stop() == 0
        assert re.search(r"^procsnoop run: attached xdp_pass to lo \(ifindex 1\) through xdp in "
                         r"generic \(skb\) mode, link \d+$", tr.stderr(), re.M), tr.stderr()
        assert not xdp_on("lo")
        with open(prog, "w") as f:
            f.write(src.replace("XDP_FLAGS_UPDATE_IF_NOEXIST", "XDP_FLAGS_DRV_MODE"))
        line = usage_error("run", prog)
        assert line.endswith("@flags: at most one of XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE and "
                             "XDP_FLAGS_HW_MODE"), line
        with open(prog, "w") as f:
            f.write(src.replace('{"old_prog_fd":0}', '{"old_prog_fd":5}'))
        line = usage_error("run", prog)
        assert "@xdpopts: old_prog_fd must be 0" in line, line


def test_run_tc_two_programs_one_interface():
    """Two tc programs of one object: distinct priorities both attach, and both go; the same
    handle and priority twice is refused (status 1) with nothing left behind."""
    with open(TC) as f:
        src = f.read()
    start, end = src.index("/// @tchook"), src.index("char LICENSE")
    again = src[start:end].replace("tc_ingress", "tc_again")
    with tempfile.TemporaryDirectory() as d:
        for prio in (2, 1):
            prog = os.path.join(d, f"two{prio}.bpf.c")
            with open(prog, "w") as f:
                f.write(src[:end] + again.replace('"priority":1', f'"priority":{prio}')
                        + src[end:])
            if prio == 1:
                p = run(PROCSNOOP, "run", prog, "--tc-mode", "clsact")
                err = p.stderr.decode()
                assert p.returncode == 1, (p.returncode, err)
                assert err.splitlines()[-1] == ("procsnoop run: lo ingress: two programs want tc "
                                                "filter handle 1 priority 1: give each its own in "
                                                "@tcopts"), err
                break
            with Trace("run", prog, "--port", str(PORT), "--tc-mode", "clsact") as tr:
                # The first filter's TC_ACT_OK ends the classification: one event.
                send_udp("127.0.0.1", PORT, 2, 1)
                packets(tr, "packet", 1)
                shown = tc_filters("lo")
                assert "tc_ingress" in shown and "tc_again" in shown, shown
                assert tr.stop() == 0
            assert "tc_again to lo (ifindex 1) ingress as a clsact tc filter, handle 1 priority 2" \
                in tr.stderr(), tr.stderr()
            assert tc_filters("lo") == ""
    assert tc_filters("lo") == ""


def test_run_ifname_without_network_programs_warns():
    p = run(PROCSNOOP, "run", os.path.join(ROOT, "tests", "programs", "seed003", "opensnoop.bpf.c"),
            "--ifname", "lo", "-d", "0.2")
    err = p.stderr.decode()
    assert p.returncode == 0, err
    assert err.splitlines()[0] == ("procsnoop run: --ifname is ignored: the object has no tc or "
                                   "xdp program"), err
