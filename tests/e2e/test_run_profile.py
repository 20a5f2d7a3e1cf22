"""procsnoop run of SEC("perf_event") programs: one CPU clock perf event per online CPU at
--freq, and stack traces (kstack/ustack arrays as bpf_get_stack fills them) shown as symbols:
the kernel's from /proc/kallsyms, a process's from the ELF symbols of the files it maps. A test
binary spins in a function of its own and in read(2) of /dev/zero."""
import os
import re
import subprocess
import tempfile

from harness import BUILD, ROOT, Trace, usage_error

PROG = os.path.join(ROOT, "tests", "programs", "profile", "profile.bpf.c")
PROG_IDS = os.path.join(ROOT, "tests", "programs", "profile", "profile_ids.bpf.c")
ACTOR = os.path.join(BUILD, "tests", "uprobeactor")


def online_cpus():
    n = 0
    with open("/sys/devices/system/cpu/online") as f:
        for part in f.read().strip().split(","):
            a, _, b = part.partition("-")
            n += int(b or a) - int(a) + 1
    return n


def profiled(*args, json_output=True, prog=PROG):
    """Samples of the actor spinning for 1.5 s under procsnoop run ARGS."""
    spin = subprocess.Popen([ACTOR, "spin", "1500"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        pid = int(spin.stdout.readline().split()[1])
        with Trace("run", prog, "--target", str(pid), *args, json_output=json_output) as tr:
            spin.communicate("go\n", timeout=30)
            assert spin.returncode == 0
            assert tr.stop() == 0, tr.stderr()
    finally:
        if spin.poll() is None:
            spin.kill()
            spin.wait()
    return pid, tr


def test_profile_stacks_with_symbols():
    pid, tr = profiled("--freq", "499")
    evs = [e for e in tr.events() if e["type"] == "stacktrace_event"]
    assert evs and all(e["pid"] == pid and e["comm"] == "uprobeactor" for e in evs), evs[:2]
    frame = re.compile(r"^[\w.@]+\+0x[0-9a-f]+$")
    user = [f for e in evs for f in e["ustack"]]
    kernel = [f for e in evs for f in e["kstack"]]
    # The actor's own function, by name, in its own binary; libc's read.
    assert any(re.fullmatch(r"procsnoop_spin\+0x[0-9a-f]+ \(uprobeactor\)", f) for f in user), \
        sorted(set(user))[:20]
    assert any(f.endswith(" (libc.so.6)") and not f.startswith("0x") for f in user), \
        sorted(set(user))[:20]
    # read(2) of /dev/zero, in the kernel's words.
    assert any(f.startswith("read_zero+0x") for f in kernel), sorted(set(kernel))[:20]
    assert any(f.startswith("ksys_read+0x") for f in kernel), sorted(set(kernel))[:20]
    assert all(frame.match(f) for f in kernel), [f for f in kernel if not frame.match(f)][:5]
    # A stack's length is its _sz field's bytes.
    assert all(len(e["kstack"]) == e["kstack_sz"] // 8 for e in evs), evs[:2]
    assert (f"procsnoop run: attached profile to a CPU clock on {online_cpus()} CPUs, 499 "
            "samples a second each\n" in tr.stderr()), tr.stderr()
    assert "0 lost" in tr.stderr()
    # ecli's @intepreter {"stack_trace": {}} on the map is known: no warning.
    assert "unknown annotation" not in tr.stderr(), tr.stderr()


def renamed(tmp, annotation):
    """profile.bpf.c with its stack fields renamed and the map's @intepreter replaced."""
    with open(PROG) as f:
        text = f.read()
    for old, new in (("kstack_sz", "klen"), ("ustack_sz", "ulen"), ("e->kstack", "e->kst"),
                     ("e->ustack", "e->ust"), ("stack_trace_t kstack", "stack_trace_t kst"),
                     ("stack_trace_t ustack", "stack_trace_t ust"), ("e->pid", "e->who"),
                     ("__u32 pid;\n\t__u32 cpu_id", "__u32 who;\n\t__u32 cpu_id"),
                     ('{"stack_trace": {}}', annotation)):
        assert old in text, old
        text = text.replace(old, new)
    path = os.path.join(tmp, "renamed.bpf.c")
    with open(path, "w") as f:
        f.write(text)
    return path


def test_intepreter_field_map_and_without_symbols():
    """@intepreter's field_map names the stack, length and pid fields; "with_symbols": false
    shows the addresses."""
    with tempfile.TemporaryDirectory() as tmp:
        prog = renamed(tmp, '{"stack_trace": {"field_map": {"kstack": "kst", "ustack": "ust", '
                            '"kstack_sz": "klen", "ustack_sz": "ulen", "pid": "who"}, '
                            '"with_symbols": false}}')
        pid, tr = profiled("--freq", "499", prog=prog)
    evs = [e for e in tr.events() if e["type"] == "stacktrace_event"]
    assert evs and all(e["who"] == pid for e in evs), evs[:2]
    assert all(len(e["kst"]) == e["klen"] // 8 and len(e["ust"]) == e["ulen"] // 8
               for e in evs), evs[:2]
    frames = [f for e in evs for f in e["kst"] + e["ust"]]
    assert frames and all(re.fullmatch(r"0x[0-9a-f]+", f) for f in frames), frames[:5]


def test_intepreter_bad_input():
    with tempfile.TemporaryDirectory() as tmp:
        for annotation, why in (
                ('{"stack_tree": {}}',
                 'expected {"stack_trace": {...}} or {"default_struct": {}}'),
                ('{"stack_trace": {"symbols": true}}',
                 '"stack_trace" takes "field_map" and "with_symbols"'),
                ('{"stack_trace": {"with_symbols": 1}}', '"with_symbols" is true or false'),
                ('{"stack_trace": {"field_map": {"kstack": 3}}}',
                 '"field_map" maps pid, cpu_id, comm, kstack_sz, ustack_sz, kstack and ustack '
                 'to field names')):
            prog = renamed(tmp, annotation)
            line = usage_error("run", prog, "--target", "1")
            assert re.fullmatch(r"procsnoop run: @intepreter of events \(line \d+\): "
                                + re.escape(why), line), line
        prog = renamed(tmp, '{"stack_trace": {"field_map": {"kstack": "nothere"}}}')
        assert usage_error("run", prog, "--target", "1") == (
            f"procsnoop run: @intepreter of {prog}: struct stacktrace_event has no stack field "
            "nothere (an array of 8-byte addresses)")


def test_profile_stack_ids_into_a_stack_trace_map():
    """bcc's way: bpf_get_stackid into a BPF_MAP_TYPE_STACK_TRACE map, the event holding ids;
    procsnoop reads each id's stack from the map. A negative id (no stack) is null."""
    pid, tr = profiled("--freq", "499", prog=PROG_IDS)
    evs = [e for e in tr.events() if e["type"] == "stack_sample"]
    assert evs and all(e["pid"] == pid for e in evs), evs[:2]
    user = [f for e in evs for f in e["user_stack_id"] or []]
    kernel = [f for e in evs for f in e["kernel_stack_id"] or []]
    assert any(re.fullmatch(r"procsnoop_spin\+0x[0-9a-f]+ \(uprobeactor\)", f) for f in user), \
        sorted(set(user))[:20]
    assert any(f.startswith("read_zero+0x") for f in kernel), sorted(set(kernel))[:20]
    # Samples taken in user space have no kernel stack: bpf_get_stackid said -EFAULT.
    assert any(e["kernel_stack_id"] is None for e in evs), evs[:3]


def test_profile_table_frames_joined():
    pid, tr = profiled(json_output=False)
    lines = tr.text().splitlines()
    header = lines[0].split()
    assert header[:3] == ["TIME", "PID", "CPU_ID"] and "USTACK" in header, header
    assert any(re.search(r"procsnoop_spin\+0x[0-9a-f]+ \(uprobeactor\)", l) for l in lines[1:])
    assert any(re.search(r"read_zero\+0x[0-9a-f]+;vfs_read\+0x", l) for l in lines[1:]), \
        lines[:5]
    assert "49 samples a second each" in tr.stderr(), tr.stderr()


def test_profile_bad_freq():
    for bad in ("0", "x", "1000001", "-5"):
        assert usage_error("run", PROG, "--freq", bad) == (
            f"procsnoop run: invalid --freq '{bad}': samples a second, from 1 to 1000000")
