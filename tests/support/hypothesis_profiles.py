"""Hypothesis profiles: `make test` (and CI) runs a fixed, derandomized set of examples, the same
on every machine; `make fuzz` runs many more, with a fresh seed each time.

A property test sizes itself with `examples(n)`: n under the default profile, FUZZ_FACTOR times
n under `HYPOTHESIS_PROFILE=fuzz`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZ_FACTOR = 25
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
_COMMON = {
    "deadline": None,
    "print_blob": True,
    # The handler's fixtures (moto, the emulator) are set up once and reset by each example.
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
# derandomize: the examples are a function of the test alone, so CI is reproducible.
settings.register_profile("ci", derandomize=True, database=None, **_COMMON)
settings.register_profile("fuzz", derandomize=False, **_COMMON)
settings.load_profile(PROFILE)


def examples(count: int) -> int:
    return count * (FUZZ_FACTOR if PROFILE == "fuzz" else 1)
