"""The short form of `make soak`: stress-ng under every tracer, checked against the kernel's own
count (tests/soak/soak.py has the checks), with the default ring buffer and with one far too small
for the load."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "soak"))
import soak  # noqa: E402


def run(seconds, buffer_size=None):
    report = soak.soak(seconds, buffer_size, warmup=seconds / 3, verbose=False)
    assert not report["problems"], report["problems"]
    for t in soak.TYPES:
        assert report["per_type"][t]["seen"] > 0, (t, report["per_type"])
    return report


def test_soak_short_nothing_lost_unseen():
    report = run(12)
    assert report["output"]["bad"] == 0
    assert report["events"] > 10000, report["events"]


def test_soak_small_buffer_counts_every_loss_and_resumes():
    report = run(8, "16K")
    # Too small for the load: every type loses some, and all of it is counted.
    assert report["lost_where"]["kernel"] > 0, report["per_type"]
    for t in ("sig", "open"):
        assert report["per_type"][t]["lost"] > 0, (t, report["per_type"])
