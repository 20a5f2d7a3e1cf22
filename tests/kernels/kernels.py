"""The kernels of the matrix: Debian's generic amd64 images, fetched by package name with
apt and cached in /var/tmp/procsnoop-kernels (outside build/, so `make clean` keeps them).

6.1 and 6.12 come from this machine's own apt sources (bookworm and its security suite).
5.10 is bullseye's: it is fetched through a private apt configuration in the cache
directory, pointed at the mirror this machine already uses (read from its sources at run
time, so no mirror is named here) and checked with the bullseye keys of
debian-archive-keyring.  The system's apt configuration is only read.

Of each package only /boot/vmlinuz-* is kept.  A kernel already in the cache is used as it
is, without asking apt anything: a second run downloads nothing.  Remove its directory
to fetch the newest again.
"""
import glob
import os
import re
import shutil
import subprocess
import tempfile

CACHE = os.environ.get("PROCSNOOP_KERNEL_CACHE", "/var/tmp/procsnoop-kernels")
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"

# name: (Debian suite, meta package that depends on the versioned image).  The -amd64
# flavour is the generic one (not -cloud-amd64 or -rt-amd64).
KERNELS = {
    "5.10": ("bullseye", "linux-image-amd64"),
    "6.1": ("bookworm", "linux-image-amd64"),
    "6.12": ("bookworm", "linux-image-6.12-amd64"),
}
# The suite of this machine's sources; any other is reached through a private config.
SYSTEM_SUITE = "bookworm"


class KernelUnavailable(Exception):
    """The kernel could not be had; the message says why (every check of it fails)."""


def run(cmd, cwd=None):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, LC_ALL="C", DEBIAN_FRONTEND="noninteractive"))
    if proc.returncode != 0:
        tail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-3:]
        # The command without its -o options, which only say where our apt config is.
        shown = [a for i, a in enumerate(cmd) if a != "-o" and (i == 0 or cmd[i - 1] != "-o")]
        raise KernelUnavailable(f"{' '.join(shown)} failed: {' | '.join(tail)}")
    return proc.stdout


def system_mirror():
    """The URI of the Debian archive in this machine's apt sources (deb822 .sources files,
    then the one-line format): the entry that carries the main suite, not -security."""
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with open(path) as f:
            for stanza in re.split(r"\n\s*\n", f.read()):
                fields = {}
                for line in stanza.splitlines():
                    m = re.match(r"([A-Za-z-]+):\s*(.*)", line)
                    if m and not line.startswith("#"):
                        fields[m.group(1).lower()] = m.group(2).split()
                if ("deb" in fields.get("types", []) and SYSTEM_SUITE in fields.get("suites", [])
                        and fields.get("uris")):
                    return fields["uris"][0]
    lists = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list"))
    for path in lists:
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                # deb [options] URI suite component...
                m = re.match(r"\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
                if m and m.group(2) == SYSTEM_SUITE:
                    return m.group(1)
    raise KernelUnavailable(f"no '{SYSTEM_SUITE}' entry in this machine's apt sources to take "
                            "the mirror from")


def private_apt(suite):
    """apt options for a configuration of our own, in the cache, holding only `suite`."""
    root = os.path.join(CACHE, "apt-" + suite)
    for d in ("lists/partial", "cache/archives/partial"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    sources = os.path.join(root, "sources.list")
    line = f"deb [signed-by={KEYRING}] {system_mirror()} {suite} main\n"
    if not os.path.exists(sources) or open(sources).read() != line:
        with open(sources, "w") as f:
            f.write(line)
    opts = [
        f"Dir::Etc::sourcelist={sources}",
        "Dir::Etc::sourceparts=-",
        f"Dir::State::Lists={root}/lists",
        f"Dir::Cache={root}/cache",
        # The system's dpkg status would make apt weigh installed packages: not ours.
        f"Dir::State::status={root}/status",
        "Acquire::Languages=none",
        # apt-get download as root in a root-owned directory: no _apt sandbox to drop to.
        "APT::Sandbox::User=root",
    ]
    if not os.path.exists(os.path.join(root, "status")):
        open(os.path.join(root, "status"), "w").close()
    args = [a for o in opts for a in ("-o", o)]
    if not glob.glob(os.path.join(root, "lists", f"*_dists_{suite}_main_binary-amd64_Packages*")):
        run(["apt-get", "-q", *args, "update"])
    return args


def image_package(args, meta):
    """The versioned linux-image package a meta package depends on."""
    out = run(["apt-cache", *args, "depends", meta])
    for line in out.splitlines():
        m = re.match(r"\s*Depends:\s*(linux-image-\S+-amd64)$", line)
        if m:
            return m.group(1)
    raise KernelUnavailable(f"{meta} depends on no linux-image-*-amd64 package: {out.strip()!r}")


def fetch(name):
    """The path of the cached vmlinuz of kernel `name` ('5.10', '6.1', '6.12'), fetching it
    on first use; raises KernelUnavailable with the reason."""
    suite, meta = KERNELS[name]
    kdir = os.path.join(CACHE, name)
    found = sorted(glob.glob(os.path.join(kdir, "vmlinuz-*")))
    if found:
        return found[-1]
    os.makedirs(kdir, exist_ok=True)
    if suite == SYSTEM_SUITE:
        args = ["-o", "APT::Sandbox::User=root"]
    else:
        if not os.path.exists(KEYRING):
            raise KernelUnavailable(f"{KEYRING} is missing (package debian-archive-keyring)")
        args = private_apt(suite)
    package = image_package(args, meta)
    work = tempfile.mkdtemp(prefix="fetch-", dir=CACHE)
    try:
        run(["apt-get", "-q", *args, "download", package], cwd=work)
        debs = glob.glob(os.path.join(work, "*.deb"))
        if len(debs) != 1:
            raise KernelUnavailable(f"apt-get download {package} left {debs}")
        run(["dpkg-deb", "-x", debs[0], os.path.join(work, "root")])
        images = glob.glob(os.path.join(work, "root", "boot", "vmlinuz-*"))
        if len(images) != 1:
            raise KernelUnavailable(f"{os.path.basename(debs[0])} holds {len(images)} "
                                    "/boot/vmlinuz-* files")
        dest = os.path.join(kdir, os.path.basename(images[0]))
        shutil.move(images[0], dest + ".tmp")
        os.replace(dest + ".tmp", dest)
        with open(os.path.join(kdir, "package"), "w") as f:
            f.write(os.path.basename(debs[0]) + "\n")
        return dest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def describe(name):
    """The .deb a cached kernel came from, for the log."""
    try:
        with open(os.path.join(CACHE, name, "package")) as f:
            return f.read().strip()
    except OSError:
        return "?"
