"""Boots one kernel under qemu-system-x86_64 with the matrix's initramfs and reads back
what the guest's /init (tests/kernels/init.sh) printed on the serial console.

The emulation is TCG: the matrix must run on hosts without usable KVM, and it must not
depend on the host CPU.  The whole serial output goes to a log file; the sections between
the marker lines are handed to the checks.
"""
import os
import re
import subprocess
import threading
import time

QEMU = "qemu-system-x86_64"
MARK = "@@procsnoop-kernels"
# The boot messages stay in the log (a kernel that fails to boot says why there); init.sh
# turns the console's log level down before the first check, so no kernel message lands in
# the middle of a JSON line, and prints dmesg at the end instead.  mitigations=off: the
# page-table isolation switches are slow to emulate and change nothing for root's BPF.
CMDLINE = "console=ttyS0 panic=-1 mitigations=off no_timer_check"


class Boot:
    """The result of one boot: the serial log and the framed sections in it."""

    def __init__(self, log_path, seconds, exit_status, timed_out, error=None):
        self.log_path = log_path
        self.seconds = seconds
        self.exit_status = exit_status
        self.timed_out = timed_out
        self.error = error          # qemu could not be started at all
        self.init_seconds = None    # host seconds from qemu start to the guest's /init
        self.sections = {}          # check -> part -> text
        self.complete = {}          # check -> guest uptime at its "done" marker
        self.problems = {}          # check -> [framing problems]
        self.info = {}              # guest's "kernel=", "uptime=", "finished uptime="
        if error is None:
            self._parse()

    def _parse(self):
        with open(self.log_path, "rb") as f:
            # The serial line ends lines with \r\n; bytes that are not UTF-8 stay visible.
            text = f.read().decode("utf-8", "replace").replace("\r\n", "\n")
        current = None  # (check, part, lines)
        for line in text.split("\n"):
            if line.startswith(MARK + " "):
                words = line[len(MARK) + 1:].split()
                if words[0] == "begin" and len(words) == 3:
                    current = (words[1], words[2], [])
                    continue
                if words[0] == "end" and len(words) == 4 and current \
                        and (words[1], words[2]) == current[:2]:
                    check, part, lines = current
                    body = "".join(l + "\n" for l in lines)
                    want = int(words[3]) if re.fullmatch(r"-?\d+", words[3]) else -1
                    # init.sh adds a newline to a file that lacks its last one.
                    if want >= 0 and len(body.encode()) not in (want, want + 1):
                        self.problems.setdefault(check, []).append(
                            f"{part}: {len(body.encode())} bytes on the console, {want} in the "
                            "guest (a console message inside the section?)")
                    self.sections.setdefault(check, {})[part] = body
                    current = None
                    continue
                if words[0] == "done" and len(words) == 3:
                    # The guest's uptime when the check ended.
                    self.complete[words[1]] = float(words[2])
                    continue
                if words[0] in ("guest", "finished"):
                    for w in words[1:]:
                        k, _, v = w.partition("=")
                        self.info[("finished " if words[0] == "finished" else "") + k] = v
                    continue
            if current:
                current[2].append(line)

    def why_incomplete(self):
        """Why a check has no result: the boot's end, for the failure message."""
        if self.error:
            return self.error
        if self.timed_out:
            return f"the guest did not power off within {self.seconds:.0f} s"
        if "finished uptime" not in self.info:
            return (f"the guest stopped before its last check (qemu exit {self.exit_status}; "
                    f"see {self.log_path})")
        return "the guest did not report this check"


def boot(kernel, initramfs, log_path, timeout):
    """Boots kernel with initramfs; returns a Boot.  qemu is killed after timeout seconds."""
    cmd = [QEMU, "-accel", "tcg", "-nographic", "-no-reboot", "-m", "1G", "-smp", "1",
           "-nic", "none", "-kernel", kernel, "-initrd", initramfs, "-append", CMDLINE]
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
    except OSError as e:
        return Boot(log_path, 0.0, None, False,
                    error=f"cannot run {QEMU}: {e} (package qemu-system-x86)")
    # Read as it comes, to time the boot on the host clock: the guest's uptime leaves out
    # loading the kernel and initramfs and decompressing them, which TCG makes slow.
    init_at = []

    def copy():
        with open(log_path, "wb") as log:
            for line in proc.stdout:
                log.write(line)
                if not init_at and line.startswith(MARK.encode() + b" guest "):
                    init_at.append(time.monotonic() - start)

    reader = threading.Thread(target=copy, daemon=True)
    reader.start()
    try:
        status = proc.wait(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        proc.kill()
        status = proc.wait()
        timed_out = True
    reader.join()
    result = Boot(log_path, time.monotonic() - start, status, timed_out)
    result.init_seconds = init_at[0] if init_at else None
    return result
