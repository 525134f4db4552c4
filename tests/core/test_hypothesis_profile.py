"""The Hypothesis profile every property test runs under (tests/conftest.py, issue 8.16): on two
cores shared with other jobs a slow example must not fail a test."""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.mark.skipif(
    os.environ.get("HYPOTHESIS_PROFILE", "shared") != "shared", reason="another profile chosen"
)
def test_the_shared_profile_has_no_deadline_and_tolerates_a_busy_machine():
    current = settings()
    assert current.deadline is None
    assert HealthCheck.too_slow in current.suppress_health_check
    # The health checks that point at a badly written strategy stay on.
    assert HealthCheck.filter_too_much not in current.suppress_health_check


def _busy(seconds: float) -> None:
    """Hold the CPU as if another job were running: a deadline of 200 ms would fail this."""
    import time

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


@pytest.mark.skipif(
    os.environ.get("HYPOTHESIS_PROFILE", "shared") != "shared", reason="another profile chosen"
)
@settings(max_examples=3)
@given(st.integers())
def test_a_slow_example_is_not_a_failure(number):
    _busy(0.25)
    assert isinstance(number, int)
