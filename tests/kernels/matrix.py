#!/usr/bin/env python3
"""The kernel matrix: procsnoop on Debian's 5.10, 6.1 and 6.12 kernels, each booted under
qemu (TCG) with an initramfs of busybox, procsnoop and a static actor.

Every (kernel, check) pair is one test, named kernel-VERSION.CHECK (kernel-6.1.open).
tests/run.py calls run(); alone:

  python3 tests/kernels/matrix.py [--kernel 6.1] [--keep-log] [PATTERN...]

prints one line per check, where the serial logs are, and "N passed, N failed".  A kernel
or a qemu that cannot be had fails its checks with the reason: nothing is skipped.

  kernels.py    fetch and cache the kernel images (apt, by package name)
  initramfs.py  the guest's root file system
  init.sh       the guest's /init: runs each check, prints the results framed
  guest.py      boot under qemu, read the frames back from the serial log
  checks.py     what each check must show
"""
import argparse
import concurrent.futures
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import checks  # noqa: E402
import guest  # noqa: E402
import initramfs  # noqa: E402
import kernels  # noqa: E402

# A guest runs every check in well under two minutes here; this only bounds a hang.
BOOT_TIMEOUT = 240
# The machine has two cores and each guest keeps one busy (one vCPU, one TCG thread).
PARALLEL = max(1, min(2, os.cpu_count() or 1))


def build_dir():
    return os.path.join(ROOT, os.environ.get("BUILD", "build"))


def selected(name, patterns):
    """As tests/run.py selects (a pattern is any part of the name), except that a pattern
    ending in a digit does not match the start of a longer number: kernel-6.1 is not 6.12."""
    if not patterns:
        return True
    for p in patterns:
        for m in re.finditer(re.escape(p), name):
            if not (p[-1:].isdigit() and name[m.end():m.end() + 1].isdigit()):
                return True
    return False


def inputs():
    """procsnoop and {guest path: host file} of what else the guest needs, all made by
    `make test-kernels`; the first missing one is returned as an error."""
    b = build_dir()
    procsnoop = os.path.join(b, "procsnoop")
    files = {
        "/opt/guest_actor": os.path.join(b, "tests", "guest_actor"),
        "/opt/seed000.bpf.o": os.path.join(b, "kernels", "seed000.bpf.o"),
        "/opt/seed001.bpf.o": os.path.join(b, "kernels", "seed001.bpf.o"),
        "/opt/tc.bpf.o": os.path.join(b, "kernels", "tc.bpf.o"),
        "/opt/xdp.bpf.o": os.path.join(b, "kernels", "xdp.bpf.o"),
        "/opt/ids.bpf.o": os.path.join(b, "kernels", "ids.bpf.o"),
        "/opt/profile.bpf.o": os.path.join(b, "kernels", "profile.bpf.o"),
    }
    for path in [procsnoop, *files.values()]:
        if not os.path.exists(path):
            return procsnoop, files, f"{path} was not built (make test-kernels builds it)"
    return procsnoop, files, None


def run(record, patterns=(), only=None, keep_log=False, timeout=BOOT_TIMEOUT, report=print):
    """Runs the matrix; calls record(name, ok, detail, secs) once per selected check.
    Returns {kernel: timing line} for the caller to show."""
    wanted = [k for k in (only or kernels.KERNELS)
              if any(selected(f"kernel-{k}.{c}", patterns) for c in checks.CHECKS)]
    if not wanted:
        return {}

    def fail_all(kernel, why):
        for c in checks.CHECKS:
            name = f"kernel-{kernel}.{c}"
            if selected(name, patterns):
                record(name, False, why, 0.0)

    procsnoop, files, missing = inputs()
    outdir = os.path.join(build_dir(), "kernels")
    ramfs = os.path.join(outdir, "initramfs.cpio")
    if not missing:
        try:
            if initramfs.build(ramfs, procsnoop, files, os.path.join(HERE, "init.sh")):
                report(f"kernels: made {os.path.relpath(ramfs, ROOT)}")
        except (OSError, RuntimeError) as e:
            missing = f"initramfs: {e}"
    if missing:
        for k in wanted:
            fail_all(k, missing)
        return {}

    # Fetched one after another (apt is not made to run twice at once), booted in parallel.
    images = {}
    for k in wanted:
        try:
            images[k] = kernels.fetch(k)
        except (kernels.KernelUnavailable, OSError) as e:
            fail_all(k, f"kernel {k} unavailable: {e}")
    timings = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        futures = {k: pool.submit(guest.boot, images[k], ramfs,
                                  os.path.join(outdir, f"{k}.log"), timeout)
                   for k in wanted if k in images}
        for k, fut in futures.items():
            boot = fut.result()
            all_ok = judge_boot(k, boot, patterns, record)
            timings[k] = f"kernel {k} ({os.path.basename(images[k])}): "
            if boot.error:
                timings[k] += f"not booted: {boot.error}"
                continue
            if boot.init_seconds is not None:
                timings[k] += (f"booted to /init in {boot.init_seconds:.1f} s "
                               f"({float(boot.info['uptime']):.1f} s of guest uptime), ")
            else:
                timings[k] += "/init never ran, "
            timings[k] += f"{boot.seconds:.1f} s from qemu start to exit"
            if all_ok and not keep_log:
                os.unlink(boot.log_path)
            else:
                timings[k] += f"; serial log {os.path.relpath(boot.log_path, ROOT)}"
    return timings


def judge_boot(kernel, boot, patterns, record):
    """Records every selected check of one boot; True when all of them passed."""
    all_ok = True
    previous = float(boot.info.get("uptime", 0) or 0)
    for c in checks.CHECKS:
        name = f"kernel-{kernel}.{c}"
        ended = boot.complete.get(c)
        secs = ended - previous if ended is not None else 0.0
        previous = ended if ended is not None else previous
        if not selected(name, patterns):
            continue
        ok, detail = True, ""
        if ended is None:
            ok, detail = False, boot.why_incomplete()
        elif boot.problems.get(c):
            ok, detail = False, "; ".join(boot.problems[c])
        else:
            try:
                checks.judge(c, boot.sections.get(c, {}), boot.info.get("kernel"))
            except checks.CheckFailed as e:
                ok, detail = False, str(e)
            except Exception as e:  # noqa: BLE001 - output no check foresaw fails that check
                ok, detail = False, f"{type(e).__name__} in checks.py: {e}"
        all_ok &= ok
        record(name, ok, detail, secs)
    return all_ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernel", action="append", choices=sorted(kernels.KERNELS),
                        help="only this kernel (repeatable)")
    parser.add_argument("--keep-log", action="store_true",
                        help="keep the serial log of a kernel whose checks all passed")
    parser.add_argument("--timeout", type=float, default=BOOT_TIMEOUT,
                        help="seconds a guest may run before qemu is killed")
    parser.add_argument("patterns", nargs="*", help="only checks whose name contains one")
    args = parser.parse_args()
    patterns = args.patterns or [p for p in os.environ.get("TESTS", "").split(",") if p]

    counts = {True: 0, False: 0}
    failures = []

    def record(name, ok, detail="", secs=0.0):
        counts[ok] += 1
        if ok:
            print(f"ok   {name} ({secs:.1f}s)", flush=True)
        else:
            failures.append(name)
            print(f"FAIL {name}: {detail}", flush=True)

    start = time.monotonic()
    timings = run(record, patterns, only=args.kernel, keep_log=args.keep_log,
                  timeout=args.timeout)
    for line in timings.values():
        print(line)
    print(f"kernels: {time.monotonic() - start:.1f} s in all, {PARALLEL} guest(s) at a time")
    if failures:
        print("failed: " + ", ".join(failures))
    print(f"{counts[True]} passed, {counts[False]} failed", flush=True)
    sys.exit(1 if counts[False] else 0)


if __name__ == "__main__":
    main()
