"""Failed sign-ins are limited per email, per client address and overall (issue 8)."""

from __future__ import annotations

import asyncio

import httpx

from rime_tui.paths import SOCKET_FILE
from tests.support.helpers import error_body
from tests.support.local import Local

ADDRESSES = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")


async def _fail(local: Local, address: str, emails: list[str]) -> list[httpx.Response]:
    """Failed sign-ins from *address* (a loopback address of its own), a few at a time;
    each claims to come from elsewhere (X-Forwarded-For, X-Real-IP), which the throttle
    must ignore (docs/security.md: "X-Forwarded-* headers are ignored")."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=local.url, transport=transport, timeout=60) as http:
        answers = []
        for start in range(0, len(emails), 8):
            answers += await asyncio.gather(
                *(
                    http.post(
                        "/v1/auth/login",
                        json={"email": e, "password": "guess"},
                        headers={
                            "x-forwarded-for": f"203.0.113.{start + i}",
                            "x-real-ip": f"198.51.100.{start + i}",
                        },
                    )
                    for i, e in enumerate(emails[start : start + 8])
                )
            )
        return answers


async def _sign_in(local: Local, address: str) -> httpx.Response:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=local.url, transport=transport, timeout=60) as http:
        body = {"email": local.admin_email, "password": local.admin_password}
        return await http.post("/v1/auth/login", json=body)


async def test_failed_sign_ins_are_limited_for_all_of_loopback_at_once(local: Local) -> None:
    """30 failures from 127.0.0.1 lock every loopback address: any local user can pick
    127.0.0.2 and up, which used to escape the per-address limit (issue J, finding 4).
    The owner's private line has a throttle of its own, and the lock ends 15 minutes
    (monotonic) after the last failure."""
    first = await _fail(local, "127.0.0.1", [f"a{i}@x.io" for i in range(30)])
    assert {a.status_code for a in first} == {401}
    for address in ADDRESSES:
        refused = await _fail(local, address, ["fresh@x.io"])
        message = error_body(refused[0], 429, 8)["message"]
        assert "from this machine's loopback addresses" in message
        assert 1 <= int(refused[0].headers["retry-after"]) <= 15 * 60
        assert (await _sign_in(local, address)).status_code == 429
    transport = httpx.AsyncHTTPTransport(uds=str(local.data_dir / SOCKET_FILE))
    async with httpx.AsyncClient(base_url=local.url, transport=transport) as private:
        body = {"email": local.admin_email, "password": local.admin_password}
        assert (await private.post("/v1/auth/login", json=body)).status_code == 200
    local.clock.advance(minutes=15, seconds=1)
    for address in ADDRESSES:
        assert (await _sign_in(local, address)).status_code == 200
