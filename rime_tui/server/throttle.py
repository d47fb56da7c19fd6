"""Sign-in throttling and bounded password work, one of each per app."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from rime_tui.server.errors import Code, ServiceError

Monotonic = Callable[[], float]
LOGIN_WINDOW = 15 * 60.0  # seconds, on a monotonic clock (the wall clock can be stepped)
LOOPBACK = "loopback"  # every loopback address (127/8, ::1) counts as one
LOGIN_MAX_FAILURES = 5  # per email
LOGIN_MAX_FAILURES_PER_ADDRESS = 30
LOGIN_MAX_FAILURES_OVERALL = 100  # also bounds what the throttle keeps in memory
PASSWORD_THREADS = 2  # password hashes at once (scrypt takes 16 MiB each)
PASSWORD_QUEUE = 16  # more may wait; beyond, 429
T = TypeVar("T")


@dataclass(eq=False)
class Failure:
    """One failed sign-in (counted as failed from its start until it succeeds)."""

    stamp: float  # monotonic seconds
    email: str
    address: str
    password: str  # the email's stored password hash when it was tried ("" for none)


def address_key(address: str) -> str:
    """Whom a client address counts as: the whole of 127.0.0.0/8 and ::1 (any local
    user can pick among them) are one."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return LOOPBACK if ip.is_loopback else str(ip)


class LoginThrottle:
    """Failed sign-ins in a sliding 15-minute window: at most LOGIN_MAX_FAILURES per
    email, LOGIN_MAX_FAILURES_PER_ADDRESS per client address and
    LOGIN_MAX_FAILURES_OVERALL in all.

    It keeps the failures of the window only, so its memory is bounded by the
    overall limit, however many distinct emails are tried. Time is *monotonic*
    seconds: stepping the wall clock neither lengthens nor ends a lock. A lock for
    an email ends when its password changes (``serve --reset-admin-password``).
    """

    def __init__(self, monotonic: Monotonic = time.monotonic) -> None:
        self.clock = monotonic
        self.failures: deque[Failure] = deque()  # oldest first
        self.per_email: Counter[str] = Counter()
        self.per_address: Counter[str] = Counter()

    def _forget(self, failure: Failure) -> None:
        for counter, key in ((self.per_email, failure.email), (self.per_address, failure.address)):
            counter[key] -= 1
            if counter[key] <= 0:
                del counter[key]

    def _refuse(self, what: str, oldest: Failure) -> ServiceError:
        wait = oldest.stamp + LOGIN_WINDOW - self.clock()
        seconds = max(1, int(wait + 0.999))
        return ServiceError(
            Code.RESOURCE_EXHAUSTED,
            f"Too many failed sign-ins {what}; try again in {seconds} seconds.",
            headers={"Retry-After": str(seconds)},
        )

    def begin(self, email: str, address: str, password: str = "") -> Failure:
        """Check that *email* may try from *address*, and count this attempt as failed
        until it :meth:`succeeded`. *password* is the email's stored password hash:
        failures against another (an older password) no longer count.

        Counting up front keeps the limits under concurrent attempts: a check alone
        would let every attempt in flight through before the first (slow) password
        verification had failed.
        """
        cutoff = self.clock() - LOGIN_WINDOW
        while self.failures and self.failures[0].stamp <= cutoff:
            self._forget(self.failures.popleft())
        address = address_key(address)
        if self.per_email[email]:
            for old in [f for f in self.failures if f.email == email and f.password != password]:
                self.failures.remove(old)
                self._forget(old)
        if self.per_email[email] >= LOGIN_MAX_FAILURES:
            oldest = next(f for f in self.failures if f.email == email)
            raise self._refuse(f"for {email}", oldest)
        if self.per_address[address] >= LOGIN_MAX_FAILURES_PER_ADDRESS:
            oldest = next(f for f in self.failures if f.address == address)
            where = "this machine's loopback addresses" if address == LOOPBACK else address
            raise self._refuse(f"from {where}", oldest)
        if len(self.failures) >= LOGIN_MAX_FAILURES_OVERALL:
            raise self._refuse("on this instance", self.failures[0])
        failure = Failure(self.clock(), email, address, password)
        self.failures.append(failure)
        self.per_email[email] += 1
        self.per_address[address] += 1
        return failure

    def succeeded(self, failure: Failure) -> None:
        """The attempt was not a failed guess after all: uncount it."""
        if failure in self.failures:
            self.failures.remove(failure)
            self._forget(failure)


class PasswordWork:
    """Password hashing, bounded: at most PASSWORD_THREADS hashes at once, in threads
    of its own (so at most that many scrypt buffers ever exist), and at most
    PASSWORD_QUEUE more waiting; beyond that the answer is 429 with Retry-After.
    """

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(PASSWORD_THREADS, thread_name_prefix="rime-password")
        self.pending = 0

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        if self.pending >= PASSWORD_THREADS + PASSWORD_QUEUE:
            raise ServiceError(
                Code.RESOURCE_EXHAUSTED,
                "The instance is busy checking other passwords; try again in 1 second.",
                headers={"Retry-After": "1"},
            )
        self.pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, function, *args)
        finally:
            self.pending -= 1
