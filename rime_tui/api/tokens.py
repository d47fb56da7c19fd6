"""Token lists shared by the ``rime-tui token`` commands and the TUI (no textual here);
making tokens (create, rotate) and delivering their secrets is :mod:`rime_tui.api.delivery`.

There is no "every token" call: an instance-wide view is every workspace's
token list, paged, fetched a few workspaces at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rime_tui.wire import models as m
from rime_tui.wire.constants import MAX_TOKENS as TOKEN_LIMIT

if TYPE_CHECKING:  # the TUI's screens use this module: it must not load httpx itself
    from rime_tui.api.client import RimeClient

__all__ = ["TOKEN_LIMIT", "Listed", "instance_tokens", "tokens_in", "workspaces"]

PAGE_SIZE = 500
CONCURRENT_LISTS = 8

Warn = Callable[[str], None]


@dataclass(frozen=True)
class Listed:
    """A token and the workspace it was listed in."""

    token: m.ApiTokenInfo
    workspace: m.Workspace

    @property
    def id(self) -> str:
        return self.token.id.uuid

    def expired(self, now: datetime) -> bool:
        expires = self.token.expiration_time
        return expires is not None and expires <= now

    def expires_within(self, now: datetime, horizon: datetime) -> bool:
        expires = self.token.expiration_time
        return expires is not None and now < expires <= horizon


async def tokens_in(client: RimeClient, spaces: list[m.Workspace]) -> list[Listed]:
    """The tokens of *spaces*, workspace by workspace, in list order."""
    gate = asyncio.Semaphore(CONCURRENT_LISTS)

    async def one(space: m.Workspace) -> list[Listed]:
        async with gate:
            return [
                Listed(token, space)
                async for token in client.iter_api_tokens(
                    space.workspace_id.uuid, page_size=PAGE_SIZE
                )
            ]

    lists = await asyncio.gather(*(one(space) for space in spaces))
    return [row for rows in lists for row in rows]


async def workspaces(client: RimeClient) -> list[m.Workspace]:
    """Every workspace the caller can see."""
    return [w async for w in client.iter_workspaces(page_size=PAGE_SIZE)]


async def instance_tokens(client: RimeClient) -> list[Listed]:
    """Every token the caller sees on the instance: every workspace's list, paged (the
    contract has no instance-wide call)."""
    return await tokens_in(client, await workspaces(client))
