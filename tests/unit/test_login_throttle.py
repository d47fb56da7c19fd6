"""The sign-in throttle's memory stays bounded whatever is sprayed at it (issue 8)."""

from __future__ import annotations

import pytest

from rime_tui.server.errors import ServiceError
from rime_tui.server.throttle import (
    LOGIN_MAX_FAILURES_OVERALL,
    LOOPBACK,
    LoginThrottle,
    address_key,
)
from tests.support.local import FakeClock


def test_memory_is_bounded_with_100000_distinct_emails() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock.monotonic)
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
    throttle = LoginThrottle(FakeClock().monotonic)
    for _ in range(20):
        throttle.succeeded(throttle.begin("a@x.io", "127.0.0.1"))
    assert not (throttle.failures or throttle.per_email or throttle.per_address)
    for _ in range(5):
        throttle.begin("a@x.io", "127.0.0.1")
    with pytest.raises(ServiceError, match=r"for a@x\.io"):
        throttle.begin("a@x.io", "127.0.0.1")


def test_the_overall_limit_holds_across_addresses() -> None:
    """100 failures in all (docs/security.md), from addresses that each stay under their
    own limit (30) and emails under theirs (5): the 100th counts, the 101st is refused."""
    throttle = LoginThrottle(FakeClock().monotonic)
    for i in range(100):
        throttle.begin(f"u{i}@x.io", f"10.0.{i // 20}.1")
    assert len(throttle.failures) == 100
    with pytest.raises(ServiceError, match="on this instance") as refused:
        throttle.begin("late@x.io", "10.9.9.9")
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 15 * 60


def test_five_failures_per_email_and_30_per_address() -> None:
    throttle = LoginThrottle(FakeClock().monotonic)
    for i in range(5):
        throttle.begin("a@x.io", f"10.1.0.{i}")
    with pytest.raises(ServiceError, match=r"for a@x\.io"):
        throttle.begin("a@x.io", "10.1.0.9")
    for i in range(30):
        throttle.begin(f"b{i}@x.io", "10.2.0.1")
    with pytest.raises(ServiceError, match=r"from 10\.2\.0\.1"):
        throttle.begin("c@x.io", "10.2.0.1")


def test_every_loopback_address_is_one_address() -> None:
    assert {address_key(a) for a in ("127.0.0.1", "127.0.0.2", "127.9.8.7", "::1")} == {LOOPBACK}
    assert address_key("::ffff:127.0.0.1") == LOOPBACK
    assert address_key("10.0.0.1") == "10.0.0.1"


def test_stepping_the_wall_clock_back_does_not_lengthen_a_lock() -> None:
    """The throttle counts monotonic seconds: a wall clock stepped back a day made
    Retry-After 87,303 s (issue J, finding 4)."""
    clock = FakeClock()
    throttle = LoginThrottle(clock.monotonic)
    for _ in range(5):
        throttle.begin("admin@rime.local", "127.0.0.1")
    clock.advance(days=-1)
    with pytest.raises(ServiceError) as refused:
        throttle.begin("admin@rime.local", "127.0.0.1")
    assert int(refused.value.headers["Retry-After"]) <= 15 * 60


def test_a_new_password_ends_the_lock_of_its_email() -> None:
    """``serve --reset-admin-password`` ends a lock: failures against the old password
    no longer count."""
    throttle = LoginThrottle(FakeClock().monotonic)
    for _ in range(5):
        throttle.begin("admin@rime.local", "127.0.0.1", "old-hash")
    with pytest.raises(ServiceError):
        throttle.begin("admin@rime.local", "127.0.0.1", "old-hash")
    throttle.begin("admin@rime.local", "127.0.0.1", "new-hash")
