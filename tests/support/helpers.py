"""Small helpers shared by the foundation tests (issue 2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from rime_tui.api import RimeClient
from tests.support.local import Local

PASSWORD = "correct horse battery"
ERROR_KEYS = {"code", "message", "details"}


async def new_user(
    admin: RimeClient,
    email: str,
    *,
    org_role: str = "ACTOR_ROLE_USER",
    full_name: str = "",
) -> str:
    """Create a user with :data:`PASSWORD` and return its id."""
    return await admin.create_user(
        email, PASSWORD, full_name=full_name or email.split("@")[0], org_role=org_role
    )


async def sign_in(local: Local, email: str, password: str = PASSWORD) -> RimeClient:
    """A client signed in with a session; the caller closes it."""
    client = RimeClient(local.url)
    try:
        await client.login(email, password)
    except BaseException:
        await client.aclose()
        raise
    return client


async def sign_in_admin(local: Local, url: str | None = None) -> RimeClient:
    """The bootstrap admin signed in with the password, at *url* (the instance's, or a
    proxy's): a session, not confined to one workspace as its API token is. The caller
    closes it: ``async with await sign_in_admin(local) as root:``."""
    client = RimeClient(url or local.url)
    try:
        await client.login(local.admin_email, local.admin_password)
    except BaseException:
        await client.aclose()
        raise
    return client


def error_body(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    """Assert *response* is an RI error answer with *status* and gRPC *code*."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict)
    assert set(body) == ERROR_KEYS, body
    assert body["code"] == code, body
    assert body["details"] == []
    assert isinstance(body["message"], str) and body["message"].strip(), body
    return body


def wire_time(value: datetime) -> datetime:
    """*value* as it crosses the wire: RFC 3339 with millisecond precision."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)
