"""procsnoop run: every `///` annotation ecli reads, on a real program (tests/programs/
annotations) and real kill() calls from known senders: @cmdarg options and defaults, the bool
switches, the @sample kinds with exact bucket counts, clear_map, @export, and the program's
@brief, @details and @version; then unknown and malformed annotations."""
import os
import re
import shutil
import subprocess
import tempfile
import time

from harness import CONTAINER_KEYS, PROCSNOOP, Trace, run, tool, usage_error
from test_sig import Target

ACTOR = tool("sigactor")
PROGS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "programs")
PROG = os.path.join(PROGS, "annotations", "annotations.bpf.c")
HDR = os.path.join(PROGS, "annotations", "annotations.h")

# Again against the ASan+UBSan build and under valgrind: the parsing, the options, the help.
SANITIZED = (
    "test_run_annotations_help_shows_options_brief_details",
    "test_run_annotations_unknown_warned_once",
)

# The kill() calls of the sender traced, by phase: (signal, count).  Signal 0 is under the
# @cmdarg default of --sig-floor (1): never counted.
PHASE1 = [(0, 1), (1, 2), (2, 3), (10, 4), (18, 5)]
PHASE2 = [(12, 6), (40, 7)]
COUNTED = {sig: n for sig, n in PHASE1 + PHASE2 if sig >= 1}
LOG2 = [2, 3, 0, 10, 5, 7, 0, 0]  # slot log2(sig)
BY4 = [5, 0, 4, 6, 5, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0]  # slot sig / 4
BY8 = [5, 10, 5, 0, 0, 7, 0, 0]  # slot sig / 8: "max": 64 over eight slots


class Sender:
    """sigactor: a sender whose kill() calls wait for release(), phase by phase."""

    def __init__(self, target, *phases):
        steps = []
        for phase in phases:
            steps.append("wait")
            steps += [f"killn:{target}:{sig}:{n}" for sig, n in phase]
        self.last = [f"killn:{target}:{sig}:{n}" for sig, n in (p[-1] for p in phases)]
        self.proc = subprocess.Popen([ACTOR, *steps], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)
        self.pid = self.proc.pid
        self.phase = 0

    def release(self):
        """Runs the next phase to its end."""
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()
        want = self.last[self.phase]
        while True:
            line = self.proc.stdout.readline().decode()
            assert line, f"sigactor ended before {want}"
            if line.startswith(want + " "):
                assert line.split()[1] == "0", line
                break
        self.phase += 1

    def close(self):
        self.proc.kill()
        self.proc.wait()


def test_run_annotations_help_shows_options_brief_details():
    p = run(PROCSNOOP, "run", PROG, HDR, "--help")
    out = p.stdout.decode()
    assert p.returncode == 0, p.stderr
    assert out.splitlines()[1] == "Counts kill() calls of one sender by signal number.", out
    flags = out.split(" Flags of annotations (its globals):\n", 1)[1].split("\n\n", 1)[0]
    lines = [re.sub(r"\s{2,}", "  ", l.strip()) for l in flags.splitlines()]
    assert lines == [
        "--disable-emit  Same as --emit=false",
        "--emit[=BOOL]  Send each call to the ring buffer (default true)",
        "--per-sig[=BOOL]  Count calls per signal (default false)",
        "-p, --pid=N  Only kill() calls of this process (default 0)",
        "--sig-floor=N  Signals below this are not counted (default 1)",
        "-s, --enable-per-sig  Same as --per-sig",
    ], lines
    # @details after the options, its lines as written.
    assert ("\nSignals are counted in four maps: a log2 histogram, two linear ones and\n"
            "a count per signal.\nExample: procsnoop run annotations.bpf.c annotations.h "
            "-p 1234 -s\n") in out, out


def test_run_annotations_version():
    p = run(PROCSNOOP, "run", PROG, "--version")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.decode().splitlines()
    assert lines[0] == "annotations 1.2.3", lines
    assert lines[1].startswith("procsnoop "), lines


def groups(evs, name):
    """{time: {key: value}} of a sampled map's default_kv lines: one dict per print."""
    out = {}
    for e in evs:
        if e["type"] == "map" and e["map"] == name:
            out.setdefault(e["time"], {})[e["key"]] = e["value"]
    return out


def test_run_annotations_pid_filter_samples_clear_map_export():
    """-p (a @cmdarg short) keeps one sender of two; -s (a bool's short) fills the per-signal
    map; the histograms count exactly that sender's calls; clear_map prints deltas."""
    with Target() as target:
        a, b = Sender(target.pid, PHASE1, PHASE2), Sender(target.pid, [(18, 9), (10, 9)])
        try:
            with Trace("run", PROG, HDR, "-p", str(a.pid), "-s") as tr:
                b.release()
                a.release()
                time.sleep(0.6)  # three intervals of the 200 ms maps: phase 1 is printed
                a.release()
                time.sleep(0.6)
                assert tr.stop() == 0
        finally:
            a.close()
            b.close()
    evs = tr.events()
    events = [e for e in evs if e["type"] != "map"]
    # @export picked struct sig_event over the header's first struct, sig_key.
    assert events and all(set(e) == {"type", "time", "sender", "sig", "comm", *CONTAINER_KEYS}
                          for e in events)
    assert {e["sender"] for e in events} == {a.pid}
    assert {s: sum(1 for e in events if e["sig"] == s) for s in COUNTED} == COUNTED
    assert len(events) == sum(COUNTED.values())
    maps = [e for e in evs if e["type"] == "map"]
    # The 60 s maps are printed once, at the end: a running total.
    log2 = [e for e in maps if e["map"] == "by_log2"]
    assert len(log2) == 1 and log2[0]["hist"] == LOG2, log2
    by4 = [e for e in maps if e["map"] == "by_4"]
    assert len(by4) == 1 and by4[0]["hist"] == BY4, by4
    assert by4[0]["hist_min"] == 0 and by4[0]["hist_step"] == 4, by4
    # clear_map on an array: each print holds what came since the one before.
    by8 = [e for e in maps if e["map"] == "by_8"]
    assert len(by8) >= 4 and by8[0]["hist_step"] == 8, by8
    assert [sum(e["hist"][i] for e in by8) for i in range(8)] == BY8, by8
    assert sum(1 for e in by8 if any(e["hist"])) >= 2, by8
    # clear_map on a hash map: printed entries are taken out.
    prints = groups(evs, "counts")
    total = {}
    for kv in prints.values():
        for k, v in kv.items():
            total[k] = total.get(k, 0) + v
    assert total == COUNTED, prints
    later = [kv for kv in prints.values() if 12 in kv or 40 in kv]
    assert later and all(set(kv) <= {12, 40} for kv in later), prints


def test_run_annotations_table_histograms_and_disable_switch():
    """--disable-emit (the switch a bool true by default gets): no events; the histograms'
    exact lines; --sig-floor 0 counts signal 0 too; no -s: the per-signal map stays empty."""
    with Target() as target:
        a = Sender(target.pid, PHASE1 + PHASE2)
        try:
            with Trace("run", PROG, HDR, "--pid", str(a.pid), "--disable-emit",
                       "--sig-floor", "0", json_output=False) as tr:
                a.release()
                time.sleep(0.3)
                assert tr.stop() == 0
        finally:
            a.close()
    text = tr.text()
    assert not re.search(r"^\d\d:\d\d:\d\d\.\d+ ", text, re.M), text
    assert " counts " not in text, text
    log2 = text.split(" by_log2 ", 1)[1].split(" by_", 1)[0]
    rows = re.findall(r"^\s+(\d+) -> (\d+)\s+: (\d+)\s+\|(\**)\s*\|$", log2, re.M)
    # Signal 0 lands in slot 0 with signal 1.
    assert [(int(lo), int(hi), int(n)) for lo, hi, n, _ in rows] == [
        (0, 1, 3), (2, 3, 3), (4, 7, 0), (8, 15, 10), (16, 31, 5), (32, 63, 7)], log2
    assert [len(s) for _, _, _, s in rows] == [12, 12, 0, 40, 20, 28], log2
    assert re.search(r"^\s+signal\s+: count\s+distribution$", log2, re.M), log2
    by4 = text.split(" by_4 ", 1)[1].split(" by_", 1)[0]
    rows = re.findall(r"^\s+(\d+) -> (\d+)\s+: (\d+)\s+\|", by4, re.M)
    assert [(int(lo), int(hi), int(n)) for lo, hi, n in rows] == [
        (0, 3, 6), (4, 7, 0), (8, 11, 4), (12, 15, 6), (16, 19, 5), (20, 23, 0),
        (24, 27, 0), (28, 31, 0), (32, 35, 0), (36, 39, 0), (40, 43, 7)], by4


def write_prog(tmp, body):
    d = tempfile.mkdtemp(dir=tmp)
    path = os.path.join(d, "ann.bpf.c")
    with open(path, "w") as f:
        f.write("#include <vmlinux.h>\n#include <bpf/bpf_helpers.h>\n" + body +
                '\nSEC("tracepoint/syscalls/sys_enter_kill")\n'
                "int f(void *ctx) { return 0; }\n"
                'char LICENSE[] SEC("license") = "GPL";\n')
    return path


def test_run_annotations_unknown_warned_once():
    tmp = tempfile.mkdtemp()
    try:
        prog = write_prog(tmp, '/// @frobnicate {"x": "@y"}\nconst volatile int a = 1;\n'
                          "/// @frobnicate\n/// @tchook {\"ifindex\": 1}\n"
                          "const volatile int b = 2;\n")
        p = run(PROCSNOOP, "run", prog, "--help")
        assert p.returncode == 0, p.stderr
        err = p.stderr.decode().splitlines()
        assert err == [f"procsnoop run: {prog}: unknown annotation @frobnicate is ignored"], err
        out = p.stdout.decode()
        # The JSON of an unknown tag is no help text.
        assert re.search(r"--a=N\s+\(default 1\)", out), out
    finally:
        shutil.rmtree(tmp)


def test_run_annotations_malformed_one_line():
    tmp = tempfile.mkdtemp()
    cases = [
        ('/// @cmdarg {"short": "pp"}\nconst volatile int pid = 0;\n',
         '@cmdarg of pid (line 5): "short" must be one letter or digit'),
        ('/// @cmdarg {"long": "pid"\nconst volatile int pid = 0;\n',
         "@cmdarg of pid (line 5): expected a JSON object"),
        ('/// @cmdarg {"lng": "pid"}\nconst volatile int pid = 0;\n',
         '@cmdarg of pid (line 5): unknown key "lng"'),
        ('/// @cmdarg {"default": "x"}\nconst volatile bool on = 0;\n',
         '@cmdarg of on (line 5): "default" is a string but on is a bool'),
        ('/// @cmdarg {"default": 300}\nconst volatile unsigned char c = 0;\n',
         '@cmdarg of c (line 5): "default" 300 does not fit c: expected an integer from 0 '
         'to 255'),
        ('/// @cmdarg {"short": "d"}\nconst volatile int dur = 0;\n',
         "@cmdarg of dur (line 5): -d is an option of procsnoop run"),
        ('/// @cmdarg {"long": "b"}\nconst volatile int a = 0;\nconst volatile int b = 0;\n',
         "@cmdarg of a (line 5): --b is b's option too"),
        ('/// @cmdarg {"long": "output"}\nconst volatile int fmt = 0;\n',
         "@cmdarg of fmt (line 5): --output is an option of procsnoop run"),
        ('/// @cmdarg {"short": "x"}\nstruct {\n__uint(type, BPF_MAP_TYPE_HASH);\n'
         "__uint(max_entries, 1);\n__type(key, int);\n__type(value, int);\n} m SEC(\".maps\");\n",
         "@cmdarg of m (line 5): m is not a global that can be a flag"),
        ('/// @sample {"type": "log3_hist"}\nstruct {\n__uint(type, BPF_MAP_TYPE_HASH);\n'
         "__uint(max_entries, 1);\n__type(key, int);\n__type(value, int);\n} m SEC(\".maps\");\n",
         '@sample of m (line 5): "type" must be "log2_hist", "linear_hist" or "default_kv"'),
        ('/// @sample {"type": "log2_hist"}\nstruct {\n__uint(type, BPF_MAP_TYPE_HASH);\n'
         "__uint(max_entries, 1);\n__type(key, int);\n__type(value, int);\n} m SEC(\".maps\");\n",
         "@sample of m (line 5): a log2_hist needs a value that is an array"),
        ('/// @sample {"step": 2}\nstruct {\n__uint(type, BPF_MAP_TYPE_HASH);\n'
         "__uint(max_entries, 1);\n__type(key, int);\n__type(value, int);\n} m SEC(\".maps\");\n",
         '@sample of m (line 5): "step", "min" and "max" belong to a "linear_hist"'),
        ("/// @version\nconst volatile int v = 0;\n",
         "@version of v (line 5): expected a version"),
    ]
    try:
        for body, want in cases:
            prog = write_prog(tmp, "\n" + body)
            line = usage_error("run", prog, "--help")
            assert line.startswith(f"procsnoop run: {prog}: " + want) or \
                line.startswith("procsnoop run: " + want), (body, line)
    finally:
        shutil.rmtree(tmp)


def test_run_annotations_export_from_included_header_and_unlisted_switches():
    """The header is not named: @export is found in the header the program includes. The
    switch a bool's default does not list (--enable-emit) and --no-NAME are accepted."""
    with Target() as target:
        a = Sender(target.pid, [(18, 3)])
        try:
            with Trace("run", PROG, "--pid", str(a.pid), "--enable-emit", "--no-per-sig",
                       "-i", "60") as tr:
                a.release()
                tr.wait_for(lambda e: e["type"] == "sig_event", count=3, timeout=10)
                assert tr.stop() == 0
        finally:
            a.close()
    evs = tr.events()
    assert [(e["sender"], e["sig"]) for e in evs if e["type"] == "sig_event"] == [(a.pid, 18)] * 3
    assert not [e for e in evs if e.get("map") == "counts"], evs


def test_run_annotations_two_exports():
    tmp = tempfile.mkdtemp()
    try:
        prog = write_prog(tmp, "/// @export\nstruct a { int x; };\n/// @export\n"
                          "struct b { int y; int z; };\nstruct {\n"
                          "__uint(type, BPF_MAP_TYPE_RINGBUF);\n__uint(max_entries, 4096);\n"
                          "} rb SEC(\".maps\");\n")
        line = usage_error("run", prog, "-d", "0.1")
        assert line == (f"procsnoop run: {prog}: @export marks struct a ({prog}) and struct b "
                        f"({prog}): mark one, or choose with --event-type"), line
        p = run(PROCSNOOP, "run", prog, "--event-type", "b", "-d", "0.1")
        assert p.returncode == 0, p.stderr
        assert p.stdout.decode().split() == ["TIME", "Y", "Z"], p.stdout
    finally:
        shutil.rmtree(tmp)
