"""What a request costs the client besides the request: the connection pool's work
(rime_tui/api/pool.py) and no module looked up per request. The instance listing
sends one request per workspace, 64 at once, so a cost per connection per request
made the meter at 1,000 workspaces CPU-bound (issue K). Counted, not timed."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from importlib.machinery import ModuleSpec
from typing import Any

import httpcore
import pytest

from rime_tui.api import RimeClient
from rime_tui.api.pool import LeanPool, missing_names
from rime_tui.api.tokens import CONCURRENT_LISTS
from tests.support.local import Local

WIDE = CONCURRENT_LISTS  # connections open at once, as the instance listing keeps them
ROUNDS = 3


def test_the_private_names_the_pool_relies_on_are_there() -> None:
    """Else the client keeps httpcore's own pool (right, but slow at 64 connections)."""
    assert missing_names() == []
    client = RimeClient("http://127.0.0.1:1")
    assert type(client._http._transport._pool) is LeanPool  # type: ignore[attr-defined]


@contextlib.contextmanager
def counting(
    monkeypatch: pytest.MonkeyPatch, owner: type[Any], name: str
) -> Iterator[list[object]]:
    """Every call of *owner*.*name*, recorded (the method still runs)."""
    calls: list[object] = []
    method: Callable[..., Any] = getattr(owner, name)

    def counted(self: object, *args: object, **kwargs: object) -> Any:
        calls.append(self)
        return method(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    yield calls


async def wide_rounds(client: RimeClient, local: Local) -> AsyncIterator[None]:
    """WIDE requests at once, ROUNDS times (the first round opens the connections)."""
    for _ in range(ROUNDS):
        tokens = await asyncio.gather(
            *(client.list_api_tokens_page(local.workspace_id) for _ in range(WIDE))
        )
        assert all(len(page.api_token_infos) == 1 for page in tokens)
        yield


async def test_a_request_costs_the_pool_one_look_at_one_connection(
    local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    """httpcore's pool asked every connection's socket whether it had closed, on every
    request and every answer (64 x 2 a request here), and handed one idle connection
    to several waiting requests, which then ran its pass again."""
    with (
        counting(monkeypatch, httpcore.AsyncHTTPConnection, "has_expired") as looks,
        counting(monkeypatch, LeanPool, "_assign_requests_to_connections") as passes,
    ):
        async with local.client() as client:
            async for _ in wide_rounds(client, local):
                pass
            pool = client._http._transport._pool  # type: ignore[attr-defined]
            connections = len(pool.connections)
    sent = WIDE * ROUNDS
    assert connections <= WIDE
    assert len(looks) <= sent - WIDE  # only the connection handed out (none is new)
    assert len(passes) == 2 * sent  # one when sent, one when its answer is read


async def test_an_answer_read_while_nothing_waits_costs_no_look_at_any_connection(
    local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pass after an answer is read had nothing to hand out (the listing sends its
    next request after that) yet looked at each of the 64 connections: more than half
    of the pool's work. Now a request sent costs a pass over them, an answer read none."""
    with counting(monkeypatch, httpcore.AsyncHTTPConnection, "is_idle") as looks:
        async with local.client() as client:
            async for _ in wide_rounds(client, local):
                pass
    sent = WIDE * ROUNDS
    # 4,160 here (10,400 with a pass over every connection per answer too)
    assert 0 < len(looks) <= sent * WIDE // 2


async def test_a_connection_the_server_closed_is_replaced(local: Local) -> None:
    """An idle connection is checked when it is taken: one the server has closed is
    dropped and the request goes out on a new one."""
    async with local.client() as client:
        await client.rime_info()
        pool = client._http._transport._pool  # type: ignore[attr-defined]
        (first,) = pool.connections
        stream = first._connection._network_stream
        stream.get_extra_info("socket").shutdown(2)  # at EOF, as when the server closes it
        await client.rime_info()
        (second,) = pool.connections
    assert second is not first


class Lookups:
    """A meta path finder that finds nothing and counts what it was asked for."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, name: str, *args: object) -> ModuleSpec | None:
        self.names.append(name)
        return None


async def test_no_module_is_looked_up_per_request(local: Local) -> None:
    """httpcore imports sniffio on every lock it sets up, a search of the whole path
    each time when sniffio is missing (anyio 4.11 stopped installing it): a dependency
    of ours since."""
    lookups = Lookups()
    async with local.client() as client:
        await client.rime_info()  # whatever a first request imports
        sys.meta_path.insert(0, lookups)
        try:
            await asyncio.gather(*(client.rime_info() for _ in range(8)))
            await client.rime_info()
        finally:
            sys.meta_path.remove(lookups)
    assert lookups.names == []
