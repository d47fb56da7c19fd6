"""The sign-in throttle's memory stays bounded whatever is sprayed at it (issue 8)."""

from __future__ import annotations

import pytest

from rime_tui.server.errors import ServiceError
from rime_tui.server.throttle import LOGIN_MAX_FAILURES_OVERALL, LoginThrottle
from tests.support.local import FakeClock


def test_memory_is_bounded_with_100000_distinct_emails() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock)
    refused = 0
    for i in range(100_000):
        try:
            throttle.begin(f"user{i}@spray.example", f"10.0.{i // 256 % 256}.{i % 256}")
        except ServiceError:
            refused += 1
        if i % 1000 == 0:
            clock.advance(seconds=1)
    kept = (len(throttle.failures), len(throttle.per_email), len(throttle.per_address))
    assert max(kept) <= LOGIN_MAX_FAILURES_OVERALL, kept
    assert refused > 99_000
    # Once the window has passed, it forgets everything (and lets sign-ins through).
    clock.advance(minutes=16)
    throttle.begin("admin@rime.local", "127.0.0.1")
    assert len(throttle.failures) == 1 and len(throttle.per_email) == 1


def test_a_success_is_uncounted() -> None:
    throttle = LoginThrottle(FakeClock())
    for _ in range(20):
        throttle.succeeded(throttle.begin("a@x.io", "127.0.0.1"))
    assert not (throttle.failures or throttle.per_email or throttle.per_address)
    for _ in range(5):
        throttle.begin("a@x.io", "127.0.0.1")
    with pytest.raises(ServiceError, match=r"for a@x\.io"):
        throttle.begin("a@x.io", "127.0.0.1")
