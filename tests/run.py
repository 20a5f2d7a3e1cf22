#!/usr/bin/env python3
"""Runs every test procsnoop has and prints one closing line "N passed, N failed".

  unit tests       build/unit-tests, and the same under ASan+UBSan (build/asan/unit-tests)
  end-to-end       tests/e2e/test_*.py: every function named test_*, as root, real BPF
  sanitized        the tests a module lists in SANITIZED, again, against the ASan+UBSan
                   build of procsnoop (build/asan/procsnoop), and again under valgrind
                   (tests/valgrind.supp): any report fails them
  fallbacks        the tests a module lists in FALLBACKS, again with PROCSNOOP_FEATURES_OFF=all:
                   the BPF programs an old kernel (5.10) runs, on this one
  kernels          tests/kernels/matrix.py: Debian's 5.10, 6.1 and 6.12 under qemu, one test
                   per kernel and check (kernel-6.1.open)

Arguments (or the TESTS environment variable) select tests whose name contains them.
"""
import importlib.util
import os
import subprocess
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

passed = failed = 0
failures = []


def selected(name, patterns):
    return not patterns or any(p in name for p in patterns)


def record(name, ok, detail="", secs=0.0):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name} ({secs:.1f}s)", flush=True)
    else:
        failed += 1
        failures.append(name)
        print(f"FAIL {name}: {detail}", flush=True)


def run_unit(binary, label, patterns):
    if not os.path.exists(binary):
        record(label, False, f"{binary} was not built")
        return
    # A failing check may print the bytes it got, valid UTF-8 or not.
    proc = subprocess.run([binary], capture_output=True, text=True, errors="replace",
                          timeout=300)
    seen = 0
    for line in proc.stdout.splitlines():
        if line.startswith("ok ") or line.startswith("not ok "):
            ok = line.startswith("ok ")
            name = line.split(" ", 2 if ok else 3)[-1]
            if selected(f"{label}.{name}", patterns):
                record(f"{label}.{name}", ok, line)
            seen += 1
        elif line.strip():
            print("     " + line)
    if proc.returncode != 0 or seen == 0:
        record(f"{label} (exit {proc.returncode})", False, proc.stderr.strip()[-2000:])


def fresh_modules():
    """Test modules import each other and the harness: drop them so they re-read the env."""
    for name in list(sys.modules):
        if name == "harness" or name.startswith("test_"):
            del sys.modules[name]


def run_e2e(patterns, label="", only_listed=False, listed_in="SANITIZED"):
    e2e = os.path.join(ROOT, "tests", "e2e")
    fresh_modules()
    for fname in sorted(os.listdir(e2e)):
        if not (fname.startswith("test_") and fname.endswith(".py")):
            continue
        mod_name = label + fname[:-3]
        spec = importlib.util.spec_from_file_location(mod_name, os.path.join(e2e, fname))
        mod = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(mod)
        except Exception:
            record(mod_name, False, traceback.format_exc())
            continue
        names = [n for n in dir(mod) if n.startswith("test_")]
        if only_listed:
            names = [n for n in names if n in getattr(mod, listed_in, ())]
        for name in names:
            full = f"{mod_name}.{name}"
            if not selected(full, patterns):
                continue
            start = time.monotonic()
            try:
                getattr(mod, name)()
                record(full, True, secs=time.monotonic() - start)
            except Exception as e:  # noqa: BLE001 - any failure is a failed test
                detail = "".join(traceback.format_exception_only(type(e), e)).strip()
                tb = traceback.extract_tb(e.__traceback__)
                where = next((f"{os.path.basename(f.filename)}:{f.lineno}" for f in reversed(tb)
                              if f.filename.endswith(fname)), "")
                record(full, False, f"{where} {detail}"[-3000:])


def valgrind_wrapper():
    """A script that runs build/procsnoop under memcheck; any error exits 99."""
    path = os.path.join(BUILD, "procsnoop-valgrind")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n"
                f"exec valgrind --quiet --error-exitcode=99 --leak-check=full "
                f"--errors-for-leak-kinds=definite "
                f"--suppressions={os.path.join(ROOT, 'tests', 'valgrind.supp')} "
                f"{os.path.join(BUILD, 'procsnoop')} \"$@\"\n")
    os.chmod(path, 0o755)
    return path


def run_kernels(patterns):
    sys.path.insert(0, os.path.join(ROOT, "tests", "kernels"))
    import matrix
    for line in matrix.run(record, patterns).values():
        print("     " + line, flush=True)


def main():
    patterns = sys.argv[1:] or [p for p in os.environ.get("TESTS", "").split(",") if p]
    run_unit(os.path.join(BUILD, "unit-tests"), "unit", patterns)
    run_unit(os.path.join(BUILD, "asan", "unit-tests"), "asan", patterns)
    if os.geteuid() != 0:
        record("e2e (needs root)", False, "the end-to-end tests load BPF programs: run as root")
    else:
        run_e2e(patterns)
        os.environ["PROCSNOOP_FEATURES_OFF"] = "all"
        run_e2e(patterns, label="fallback-", only_listed=True, listed_in="FALLBACKS")
        del os.environ["PROCSNOOP_FEATURES_OFF"]
        asan_bin = os.path.join(BUILD, "asan", "procsnoop")
        os.environ["PROCSNOOP_BIN"] = asan_bin
        os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=99")
        os.environ.setdefault("UBSAN_OPTIONS", "halt_on_error=1:exitcode=99:print_stacktrace=1")
        if not os.path.exists(asan_bin):
            record("asan-e2e", False, f"{asan_bin} was not built")
        else:
            run_e2e(patterns, label="asan-", only_listed=True)
        os.environ["PROCSNOOP_BIN"] = valgrind_wrapper()
        run_e2e(patterns, label="valgrind-", only_listed=True)
        del os.environ["PROCSNOOP_BIN"]
    run_kernels(patterns)
    if failures:
        print("failed: " + ", ".join(failures))
    print(f"{passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
