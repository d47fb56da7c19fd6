"""Token work shared by the ``rime-tui token`` commands and the TUI (no textual here).

There is no "every token" call: an instance-wide view is every workspace's
token list, paged, fetched a few workspaces at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rime_tui.api.errors import NotFoundError, RimeError
from rime_tui.wire import models as m
from rime_tui.wire.constants import MAX_NAME_LENGTH
from rime_tui.wire.constants import MAX_TOKENS as TOKEN_LIMIT

if TYPE_CHECKING:  # the TUI's screens use this module: it must not load httpx itself
    from rime_tui.api.client import RimeClient

__all__ = ["TOKEN_LIMIT", "Listed", "SuccessorFailed", "rotate", "tokens_in", "workspaces"]

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


def lifetime_days(token: m.ApiTokenInfo) -> int | None:
    """The days between a token's creation and its expiry (at least 1)."""
    if token.creation_time is None or token.expiration_time is None:
        return None
    return max(1, round((token.expiration_time - token.creation_time) / timedelta(days=1)))


async def create_checked(
    client: RimeClient, workspace_id: str, name: str, days: int | None, warn: Warn
) -> m.CreateApiTokenResponse:
    """Create a token and prove that its secret works; a token that does not is deleted."""
    made = await client.create_api_token(name, workspace_id, expiry_days=days)
    try:
        async with type(client)(client.cluster_url, api_token=made.full_api_token) as probe:
            await probe.rime_info()
    except RimeError:
        await delete_quietly(client, made.id.uuid, warn)
        raise
    return made


async def delete_quietly(client: RimeClient, token_id: str, warn: Warn) -> None:
    try:
        await client.delete_api_token(token_id)
    except RimeError as exc:
        warn(f"could not delete token {token_id}: {exc}")


class SuccessorFailed(RimeError):
    """Rotating deleted the old token but could not make its successor: the stand-in
    token (a working token, named "… (rotating)") is all there is."""

    def __init__(self, stand_in: m.CreateApiTokenResponse, cause: RimeError) -> None:
        super().__init__(
            f"the old token is deleted, but making its successor failed ({cause}); "
            f"the stand-in token {stand_in.id.uuid} replaces it."
        )
        self.stand_in = stand_in


async def rotate(
    client: RimeClient, old: m.ApiTokenInfo, workspace_id: str, *, ours: bool, warn: Warn
) -> m.CreateApiTokenResponse:
    """A new secret for *old*: same name, same lifetime, and never neither token.

    Token names are unique per user and workspace, so the new token cannot be
    made beside the old one: a stand-in is made first, then the old token is
    deleted, then the new one made and the stand-in deleted. If making the new
    one fails, :class:`SuccessorFailed` carries the stand-in's secret. With
    *ours* (the client signed in with *old*), the client goes on with the
    stand-in, then with the new token.
    """
    name, days = old.name, lifetime_days(old)
    stand_in = await create_checked(
        client, workspace_id, f"{name[: MAX_NAME_LENGTH - 11]} (rotating)", days, warn
    )
    previous = client.api_token
    if ours:  # the old token is about to go: go on with the stand-in
        client.api_token = stand_in.full_api_token
    try:
        await client.delete_api_token(old.id.uuid)
    except NotFoundError:
        pass  # already gone
    except RimeError:
        client.api_token = previous
        await delete_quietly(client, stand_in.id.uuid, warn)
        raise
    try:
        made = await create_checked(client, workspace_id, name, days, warn)
    except RimeError as exc:
        raise SuccessorFailed(stand_in, exc) from exc
    if ours:
        client.api_token = made.full_api_token
    await delete_quietly(client, stand_in.id.uuid, warn)
    return made
