"""Failed sign-ins are limited per email, per client address and overall (issue 8)."""

from __future__ import annotations

import asyncio

import httpx

from tests.support.helpers import error_body
from tests.support.local import Local

ADDRESSES = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")


async def _fail(local: Local, address: str, emails: list[str]) -> list[httpx.Response]:
    """Failed sign-ins from *address* (a loopback address of its own), a few at a time."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=local.url, transport=transport, timeout=60) as http:
        answers = []
        for start in range(0, len(emails), 8):
            answers += await asyncio.gather(
                *(
                    http.post("/v1/auth/login", json={"email": e, "password": "guess"})
                    for e in emails[start : start + 8]
                )
            )
        return answers


async def _sign_in(local: Local, address: str) -> httpx.Response:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=local.url, transport=transport, timeout=60) as http:
        body = {"email": local.admin_email, "password": local.admin_password}
        return await http.post("/v1/auth/login", json=body)


async def test_failed_sign_ins_are_limited_per_address_and_overall(local: Local) -> None:
    # 30 failures from one address, each for another email: the address is throttled...
    first = await _fail(local, "127.0.0.1", [f"a{i}@x.io" for i in range(30)])
    assert {a.status_code for a in first} == {401}
    refused = await _fail(local, "127.0.0.1", ["fresh@x.io"])
    message = error_body(refused[0], 429, 8)["message"]
    assert "from 127.0.0.1" in message
    assert 1 <= int(refused[0].headers["retry-after"]) <= 15 * 60
    assert (await _sign_in(local, "127.0.0.1")).status_code == 429
    # ...while other addresses may still sign in, until 100 failures in all.
    assert (await _sign_in(local, "127.0.0.2")).status_code == 200
    for n, address in enumerate(ADDRESSES[1:], 1):
        await _fail(local, address, [f"{n}-{i}@x.io" for i in range(25)])
    overall = await _fail(local, "127.0.0.4", ["late@x.io"])
    assert "on this instance" in error_body(overall[0], 429, 8)["message"]
    # 15 minutes later, all is forgotten.
    local.clock.advance(minutes=15, seconds=1)
    for address in ADDRESSES:
        assert (await _sign_in(local, address)).status_code == 200
