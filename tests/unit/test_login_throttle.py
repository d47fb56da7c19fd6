"""The sign-in throttle's memory stays bounded whatever is sprayed at it (issue 8)."""

from __future__ import annotations

import pytest

from rime_tui.server.errors import Code, ServiceError
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


def _refused(throttle: LoginThrottle, email: str, address: str) -> ServiceError:
    with pytest.raises(ServiceError) as refused:
        throttle.begin(email, address)
    assert refused.value.code is Code.RESOURCE_EXHAUSTED and refused.value.status == 429
    return refused.value


def test_a_lock_ends_15_minutes_after_the_emails_oldest_failure_and_says_when() -> None:
    """Retry-After and the message count down from the locked email's oldest failure
    (not the oldest of all), rounded up to whole seconds, never below 1; at 15 minutes
    the failure is forgotten."""
    clock = FakeClock()
    throttle = LoginThrottle(clock.monotonic)
    throttle.begin("other@x.io", "10.0.0.2")
    clock.advance(seconds=10)
    for _ in range(5):
        throttle.begin("a@x.io", "10.0.0.1")
    clock.advance(seconds=90.5)  # 100.5 s in
    refused = _refused(throttle, "a@x.io", "10.0.0.1")
    assert refused.message == "Too many failed sign-ins for a@x.io; try again in 810 seconds."
    assert refused.headers == {"Retry-After": "810"}
    clock.advance(seconds=809.4)  # 0.1 s left
    assert _refused(throttle, "a@x.io", "10.0.0.1").headers == {"Retry-After": "1"}
    clock.advance(seconds=0.1)  # exactly 15 minutes after the first: forgotten
    throttle.begin("a@x.io", "10.0.0.1")


def test_an_address_or_the_instance_locked_says_which() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock.monotonic)
    for i in range(30):
        throttle.begin(f"b{i}@x.io", "10.2.0.1")
        clock.advance(seconds=1 if i == 0 else 0)
    clock.advance(seconds=59)
    refused = _refused(throttle, "new@x.io", "10.2.0.1")
    assert refused.message == "Too many failed sign-ins from 10.2.0.1; try again in 840 seconds."
    for i in range(30):
        throttle.begin(f"c{i}@x.io", "::1")
    loopback = _refused(throttle, "new@x.io", "127.0.0.5").message
    assert loopback.startswith("Too many failed sign-ins from this machine's loopback addresses;")
    for i in range(40):
        throttle.begin(f"d{i}@x.io", f"10.3.0.{i}")
    clock.advance(seconds=30)  # the oldest of all, b0, was 90 s ago (b1 89 s)
    overall = _refused(throttle, "new@x.io", "10.4.0.1")
    assert overall.message == "Too many failed sign-ins on this instance; try again in 810 seconds."


def test_failures_against_an_old_password_leave_the_address_count_too() -> None:
    """After a password change the email's old failures stop counting for its
    client address as well."""
    throttle = LoginThrottle(FakeClock().monotonic)
    for _ in range(5):
        throttle.begin("admin@rime.local", "10.5.0.1", "old-hash")
    for i in range(25):
        throttle.begin(f"e{i}@x.io", "10.5.0.1")
    _refused(throttle, "f@x.io", "10.5.0.1")  # 30 from this address
    for _ in range(5):
        throttle.begin("admin@rime.local", "10.5.0.1", "new-hash")  # 25 + these 5
    _refused(throttle, "g@x.io", "10.5.0.1")


def test_a_success_after_its_failure_was_forgotten_changes_nothing() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock.monotonic)
    early = throttle.begin("a@x.io", "10.0.0.1")
    clock.advance(minutes=15)
    for _ in range(5):
        throttle.begin("a@x.io", "10.0.0.1")  # forgets the early one
    throttle.succeeded(early)
    _refused(throttle, "a@x.io", "10.0.0.1")


def test_addresses_that_are_not_loopback_count_each_as_itself() -> None:
    assert address_key("::ffff:10.0.0.1") == "10.0.0.1"
    assert address_key("2001:db8::1") == "2001:db8::1"
    assert address_key("testclient") == "testclient"  # not an IP address: as given


def test_a_count_that_drops_to_one_still_counts_one() -> None:
    """Of an address's two failures one is forgotten: 29 more make it 30, locked."""
    clock = FakeClock()
    throttle = LoginThrottle(clock.monotonic)
    throttle.begin("a@x.io", "10.6.0.1")
    clock.advance(seconds=1)
    throttle.begin("b@x.io", "10.6.0.1")
    clock.advance(seconds=899.5)  # a's is forgotten, b's is not
    for i in range(29):
        throttle.begin(f"c{i}@x.io", "10.6.0.1")
    _refused(throttle, "d@x.io", "10.6.0.1")
