"""Token lists shared by the ``rime-tui token`` commands and the TUI (no textual here);
making tokens (create, rotate) and delivering their secrets is :mod:`rime_tui.api.delivery`.

There is no "every token" call: an instance-wide view is every workspace's
token list, paged, fetched CONCURRENT_LISTS workspaces at a time. The TUI lists it once
per session (:class:`InstanceListing`) and keeps it current.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from rime_tui.api.listed import Listed
from rime_tui.wire import models as m
from rime_tui.wire.constants import MAX_PAGE_SIZE
from rime_tui.wire.constants import MAX_TOKENS as TOKEN_LIMIT

if TYPE_CHECKING:  # the TUI's screens use this module: it must not load httpx itself
    from rime_tui.api.client import RimeClient

__all__ = [
    "TOKEN_LIMIT",
    "InstanceListing",
    "Listed",
    "instance_tokens",
    "tokens_in",
    "workspaces",
]

# Workspaces listed at once: at a 100 ms round trip, 1,000 workspaces take 16 round
# trips (~1.6 s) instead of 125 (~12.5 s) at 8; bounded, so that a big instance neither
# opens a connection per workspace nor floods the server (the client keeps as many
# connections alive: rime_tui/api/client.py KEEP_ALIVE).
CONCURRENT_LISTS = 64
LISTING_MAX_AGE = 300.0  # seconds: an older instance listing is counted again

Warn = Callable[[str], None]


async def tokens_in(client: RimeClient, spaces: list[m.Workspace]) -> list[Listed]:
    """The tokens of *spaces*, workspace by workspace, in list order."""
    gate = asyncio.Semaphore(CONCURRENT_LISTS)

    async def one(space: m.Workspace) -> list[Listed]:
        async with gate:
            return [
                Listed(token, space)
                async for token in client.iter_api_tokens(
                    space.workspace_id.uuid, page_size=MAX_PAGE_SIZE
                )
            ]

    lists = await asyncio.gather(*(one(space) for space in spaces))
    return [row for rows in lists for row in rows]


async def workspaces(client: RimeClient) -> list[m.Workspace]:
    """Every workspace the caller can see."""
    return [w async for w in client.iter_workspaces(page_size=MAX_PAGE_SIZE)]


async def instance_tokens(client: RimeClient) -> list[Listed]:
    """Every token the caller sees on the instance: every workspace's list, paged (the
    contract has no instance-wide call)."""
    return await tokens_in(client, await workspaces(client))


class InstanceListing:
    """Every token the caller sees on the instance, listed once per session and shared
    (the expiry notice, the meters of Overview and API Access Tokens, the all-workspaces
    view): kept current by :meth:`add` and :meth:`discard` on create, rotate, delete and
    prune; counted again on :meth:`recount` (r) or when older than LISTING_MAX_AGE.

    The workspace list the app already has (:attr:`workspaces`) is reused; without it
    the count lists the workspaces first.
    """

    def __init__(self, client: RimeClient, max_age: float = LISTING_MAX_AGE) -> None:
        self.client = client
        self.max_age = max_age
        self.workspaces: list[m.Workspace] | None = None
        self.rows: list[Listed] | None = None
        self._counted_at = 0.0
        self._task: asyncio.Task[list[Listed]] | None = None
        self._changes: list[tuple[Listed | None, str]] = []  # made meanwhile (row or id)
        self._wanted = asyncio.Event()

    @property
    def fresh(self) -> bool:
        return self.rows is not None and time.monotonic() - self._counted_at < self.max_age

    @property
    def counting(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Count now unless a fresh count is known or one is under way."""
        self._wanted.set()
        if not self.fresh and not self.counting:
            self._task = asyncio.ensure_future(self._count())
            self._task.add_done_callback(_retrieve)

    def recount(self) -> None:
        """Count again (r): the count under way, if any, is the one to wait for."""
        self._counted_at = float("-inf")
        self.start()

    async def get(self) -> list[Listed]:
        """The instance's tokens, counted if need be (a caller cancelled leaves the count
        running for the others)."""
        self.start()
        if self._task is not None and not self.fresh:
            await asyncio.shield(self._task)
        assert self.rows is not None
        return self.rows

    async def when_wanted(self, at_most: float) -> list[Listed]:
        """The tokens once a page has asked for them, or after *at_most* seconds (so
        that a listing nobody needs yet does not cost a round trip of its own)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wanted.wait(), at_most)
        return await self.get()

    def add(self, row: Listed) -> None:
        """A token made (created, or a rotation's new one): counted once."""
        if self.counting:
            self._changes.append((row, row.id))
        if self.rows is not None and not any(r.id == row.id for r in self.rows):
            self.rows.append(row)

    def discard(self, token_id: str) -> None:
        """A token deleted."""
        if self.counting:
            self._changes.append((None, token_id))
        if self.rows is not None:
            self.rows[:] = [r for r in self.rows if r.id != token_id]

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _count(self) -> list[Listed]:
        self._changes = []
        spaces = self.workspaces
        if spaces is None:
            spaces = self.workspaces = await workspaces(self.client)
        rows = await tokens_in(self.client, spaces)
        for row, token_id in self._changes:  # what was made or deleted while counting
            rows = [r for r in rows if r.id != token_id]
            if row is not None:
                rows.append(row)
        self._changes = []
        self.rows, self._counted_at = rows, time.monotonic()
        return rows


def _retrieve(task: asyncio.Task[list[Listed]]) -> None:
    """A failed count is told to whoever awaits it; never logged as unretrieved."""
    if not task.cancelled():
        task.exception()
