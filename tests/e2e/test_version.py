"""procsnoop --version: debian/changelog's version, the git description of the build, the
libbpf linked in and the kernel's features, with or without the privileges to probe them."""
import os
import re
import subprocess

from harness import PROCSNOOP, ROOT

FEATURES = ["btf", "ringbuf", "task_btf", "task_storage", "task_pt_regs", "bpf_loop",
            "bpf_rdonly_cast", "bpf_strnstr", "exit_group_dead", "ancestor_cgroup"]
# Probed by loading a map or a program: unknown without BPF privileges.
LOADED = {"ringbuf", "task_btf", "task_storage", "task_pt_regs", "bpf_loop", "ancestor_cgroup"}


def changelog_version():
    with open(os.path.join(ROOT, "debian", "changelog")) as f:
        m = re.match(r"procsnoop \(([^)]+)\) ", f.readline())
    assert m, "the first line of debian/changelog names no version"
    return m.group(1)


def version_output(*args, prefix=()):
    p = subprocess.run([*prefix, PROCSNOOP, *args], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, (args, p.returncode, p.stderr)
    assert p.stderr == "", p.stderr
    return p.stdout.splitlines()


def kernel_features(line):
    m = re.fullmatch(r"kernel (\S+): (.*)", line)
    assert m, line
    assert m.group(1) == os.uname().release, line
    found = dict(kv.split("=", 1) for kv in m.group(2).split())
    assert list(found) == FEATURES, found
    return found


def test_version_names_release_git_libbpf_and_kernel():
    lines = version_output("--version")
    version = changelog_version()
    git = subprocess.run([os.path.join(ROOT, "scripts", "version.sh"), "--git"],
                         capture_output=True, text=True, check=True).stdout.strip()
    expected = f"procsnoop {version}" + (f" (git {git})" if git and git != version else "")
    assert lines[0] == expected, (lines[0], expected)
    if os.path.exists(os.path.join(ROOT, ".git")):
        assert re.fullmatch(re.escape(version) + r"(-\d+)?-g[0-9a-f]{7,}(-dirty)?", git), git
    built = subprocess.run(["pkg-config", "--modversion", "libbpf"], capture_output=True,
                           text=True, check=True).stdout.strip()
    assert lines[1] == "libbpf " + ".".join(built.split(".")[:2]), (lines[1], built)
    found = kernel_features(lines[2])
    assert len(lines) == 3, lines
    # As root every probe answers; this kernel has BTF and a ring buffer (procsnoop runs here).
    assert all(v in ("yes", "no") for v in found.values()), found
    assert found["btf"] == "yes" and found["ringbuf"] == "yes", found
    if found["task_storage"] == "yes":
        assert found["task_btf"] == "yes", found


def test_version_same_from_every_command():
    first = version_output("--version")
    for args in (["-V"], ["sig", "--version"], ["exec", "exit", "-V"], ["run", "--version"],
                 ["run", "-V"]):
        assert version_output(*args) == first, args


def test_version_unprivileged_says_unknown():
    """Without CAP_BPF the probes that load BPF cannot tell: unknown, not a guess, and no error."""
    as_root = kernel_features(version_output("--version")[2])
    lines = version_output("--version", prefix=[
        "setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--inh-caps", "-all",
        "--bounding-set", "-all"])
    found = kernel_features(lines[2])
    for name in FEATURES:
        assert found[name] == ("unknown" if name in LOADED else as_root[name]), (name, found)
    assert lines[3:] == ["(unknown: probing the kernel loads BPF, which needs root or CAP_BPF)"]
