"""The guest's root file system: an uncompressed initramfs (cpio "newc") written here, so
the host needs no cpio and the archive's bytes depend only on its inputs.

It holds busybox-static, build/procsnoop with every shared library ldd names and the
dynamic loader (at the paths ldd prints, which are the paths the binary asks for), the
static actor, the prebuilt BPF objects for `procsnoop run`, and the guest's /init.  It is
made again only when one of those files changes.
"""
import hashlib
import os
import re
import stat
import subprocess

BUSYBOX = "/bin/busybox"
# Where the guest finds procsnoop (tests/kernels/init.sh names it too).
GUEST_PROCSNOOP = "/opt/procsnoop"


class Archive:
    """A newc cpio archive built in memory; parent directories are added as needed."""

    def __init__(self):
        self.entries = []  # (name, mode, data, rdev)
        self.names = set()

    def _add(self, path, mode, data=b"", rdev=(0, 0)):
        name = path.lstrip("/")
        parent = os.path.dirname(name)
        if parent and parent not in self.names:
            self._add(parent, stat.S_IFDIR | 0o755)
        if name in self.names:
            raise ValueError(f"initramfs: {path} added twice")
        self.names.add(name)
        self.entries.append((name, mode, data, rdev))

    def dir(self, path, mode=0o755):
        if path.lstrip("/") not in self.names:
            self._add(path, stat.S_IFDIR | mode)

    def file(self, path, data, mode=0o644):
        self._add(path, stat.S_IFREG | mode, data)

    def symlink(self, path, target):
        self._add(path, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, path, major, minor, mode=0o600):
        self._add(path, stat.S_IFCHR | mode, rdev=(major, minor))

    def bytes(self):
        out = bytearray()

        def pad():
            out.extend(b"\0" * (-len(out) % 4))

        for ino, (name, mode, data, (major, minor)) in enumerate(
                self.entries + [("TRAILER!!!", 0, b"", (0, 0))], start=1):
            raw = name.encode() + b"\0"
            # magic, then ino mode uid gid nlink mtime filesize devmaj devmin rdevmaj
            # rdevmin namesize check; mtime 0 keeps the archive reproducible.
            fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, major, minor, len(raw), 0]
            out.extend(b"070701" + b"".join(b"%08X" % f for f in fields))
            out.extend(raw)
            pad()
            out.extend(data)
            pad()
        return bytes(out)


def shared_libraries(binary):
    """The paths of every library ldd resolves for binary, and of the dynamic loader."""
    proc = subprocess.run(["ldd", binary], capture_output=True, text=True)
    if "not a dynamic executable" in proc.stdout + proc.stderr:
        return []
    if proc.returncode != 0:
        raise RuntimeError(f"ldd {binary}: {proc.stderr.strip() or proc.stdout.strip()}")
    paths = []
    for line in proc.stdout.splitlines():
        # "libbpf.so.1 => /lib/x86_64-linux-gnu/libbpf.so.1 (0x...)" or
        # "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso has no file.
        m = re.match(r"\s*(?:\S+ => )?(/\S+) \(0x[0-9a-f]+\)$", line)
        if m:
            paths.append(m.group(1))
        elif "not found" in line:
            raise RuntimeError(f"ldd {binary}: {line.strip()}")
    return paths


def read(path):
    with open(path, "rb") as f:
        return f.read()


def build(out_path, procsnoop, files, init_script):
    """Writes the initramfs to out_path unless the one there was made from the same
    inputs; files maps more guest paths to host files.  Returns True when it wrote one."""
    inputs = {GUEST_PROCSNOOP: procsnoop, "/init": init_script, "/bin/busybox": BUSYBOX,
              **files}
    for lib in shared_libraries(procsnoop):
        # Copied to the path ldd shows (Debian's /lib is a link to usr/lib on the host;
        # the guest needs only the path the loader looks up).
        inputs[lib] = os.path.realpath(lib)
    for guest, host in inputs.items():
        if not os.path.isfile(host):
            raise RuntimeError(f"{host} is missing (guest {guest})")
    # Debian's busybox package is dynamic, and the guest has only procsnoop's libraries.
    if shared_libraries(BUSYBOX):
        raise RuntimeError(f"{BUSYBOX} is not static (package busybox-static)")

    key = hashlib.sha256()
    for guest, host in sorted(inputs.items()):
        key.update(guest.encode() + b"\0" + hashlib.sha256(read(host)).digest())
    key = key.hexdigest()
    stamp = out_path + ".key"
    if os.path.exists(out_path) and os.path.exists(stamp) and read(stamp).decode() == key:
        return False

    ar = Archive()
    for d in ("/dev", "/proc", "/sys", "/tmp", "/etc", "/root", "/bin", "/sbin", "/usr/bin",
              "/usr/sbin"):
        ar.dir(d)
    # The kernel opens /dev/console for init before anything is mounted; without the node
    # init runs with no stdin, stdout or stderr.
    ar.chardev("/dev/console", 5, 1)
    ar.file("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
    ar.file("/etc/group", b"root:x:0:\n")
    for guest, host in sorted(inputs.items()):
        mode = 0o755 if os.access(host, os.X_OK) or guest == "/init" else 0o644
        ar.file(guest, read(host), mode)
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(ar.bytes())
    os.replace(tmp, out_path)
    with open(stamp, "w") as f:
        f.write(key)
    return True
