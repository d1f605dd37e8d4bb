"""The benches' children report their own peak memory, not their parent's.

Linux keeps getrusage's ru_maxrss across execve, so a child read it as at least its parent's
peak: the sweep benches' parent holds moto, the emulator and thousands of sessions, and every
sweep's "peak RSS" was the parent's.
"""

from __future__ import annotations

import resource

from bench.sweep import REGION, _child
from local.devicefarm_emulator import DeviceFarmEmulator, running_emulator

PARENT_MIB = 512  # well above what a boto3 process and the test's own imports need


def test_a_sweep_child_of_a_large_parent_reports_its_own_peak() -> None:
    held = b"\x01" * (PARENT_MIB * 1024 * 1024)  # written, so resident: the parent's peak
    parent_peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert parent_peak_mib >= PARENT_MIB
    with running_emulator(DeviceFarmEmulator()) as server:  # no projects: nothing to stop
        measured = _child(
            "baseline",
            {
                "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_ENDPOINT_URL_DEVICE_FARM": server.url,
                "PYTHONPATH": "lambda_src:.",
            },
        )
    assert measured["stopped"] == 0
    assert 0 < measured["peak_rss_mib"] < PARENT_MIB / 2, measured
    del held
