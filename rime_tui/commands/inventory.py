"""Workspaces and tokens as the commands find them, with the API calls the contract has.

There is no "every token" call: an instance-wide view is every workspace's
token list, paged, fetched a few workspaces at a time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rime_tui.api.client import RimeClient
from rime_tui.api.errors import PermissionDeniedError
from rime_tui.commands.session import CommandError, Exit
from rime_tui.wire import models as m

PAGE_SIZE = 500
CONCURRENT_LISTS = 8
SHOWN_CHOICES = 20


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

    def as_json(self, owners: dict[str, str], now: datetime) -> dict[str, Any]:
        """The ``token list --json`` item."""
        token = self.token
        return {
            "id": self.id,
            "name": token.name,
            "owner": owners.get(token.user_id, token.user_id),
            "suffix": token.suffix,
            "workspaceId": self.workspace.workspace_id.uuid,
            "creationTime": stamp(token.creation_time),
            "expirationTime": stamp(token.expiration_time),
            "expired": self.expired(now),
        }


def stamp(value: datetime | None) -> str | None:
    """RFC 3339 in UTC, as on the wire."""
    return None if value is None else m.format_timestamp(value)


def describe(workspace: m.Workspace) -> str:
    return f"{workspace.name} ({workspace.workspace_id.uuid})"


def choices(lines: list[str]) -> str:
    """Indented lines, at most :data:`SHOWN_CHOICES` of them."""
    shown = [f"  {line}" for line in lines[:SHOWN_CHOICES]]
    if len(lines) > SHOWN_CHOICES:
        shown.append(f"  … and {len(lines) - SHOWN_CHOICES} more")
    return "\n".join(shown)


async def workspaces(client: RimeClient) -> list[m.Workspace]:
    """Every workspace the caller can see."""
    return [w async for w in client.iter_workspaces(page_size=PAGE_SIZE)]


def pick_workspace(spaces: list[m.Workspace], wanted: str | None) -> m.Workspace:
    """The workspace named or identified by *wanted*; with None, the only one there is."""
    if wanted is None:
        if len(spaces) == 1:
            return spaces[0]
        if not spaces:
            raise CommandError(Exit.NOT_FOUND, "you cannot see any workspace.")
        raise CommandError(
            Exit.USAGE,
            f"there are {len(spaces)} workspaces; choose one with --workspace NAME or UUID:\n"
            + choices([describe(w) for w in spaces]),
        )
    key = wanted.strip()
    for space in spaces:
        if space.workspace_id.uuid.lower() == key.lower():
            return space
    named = [w for w in spaces if w.name == key]
    if len(named) == 1:
        return named[0]
    if named:
        raise CommandError(
            Exit.USAGE,
            f"{len(named)} workspaces are named {key!r}; choose one by UUID:\n"
            + choices([describe(w) for w in named]),
        )
    raise CommandError(
        Exit.NOT_FOUND,
        f"no workspace is named {key!r} or has that UUID; the workspaces are:\n"
        + choices([describe(w) for w in spaces]),
    )


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


async def owners(client: RimeClient) -> dict[str, str]:
    """User id → email, for naming token owners; empty if the caller may not list users."""
    try:
        return {
            u.id.uuid: u.email or u.display_name
            async for u in client.iter_users(page_size=PAGE_SIZE)
        }
    except PermissionDeniedError:
        return {}


async def find_token(
    client: RimeClient, spaces: list[m.Workspace], key: str, rows: list[Listed] | None = None
) -> Listed:
    """The one token of *spaces* with id or name *key* (exit 5 for none, 2 for several)."""
    if rows is None:
        rows = await tokens_in(client, spaces)
    wanted = key.strip()
    found = [r for r in rows if r.id == wanted.lower()] or [
        r for r in rows if r.token.name == wanted
    ]
    if len(found) == 1:
        return found[0]
    where = describe(spaces[0]) if len(spaces) == 1 else f"the {len(spaces)} workspaces"
    if not found:
        raise CommandError(
            Exit.NOT_FOUND, f"no token is named {wanted!r} or has that id in {where}."
        )
    names = await owners(client)
    raise CommandError(
        Exit.USAGE,
        f"{len(found)} tokens are named {wanted!r} in {where}; choose one by id:\n"
        + choices(
            [
                f"{r.id}  owner {names.get(r.token.user_id, r.token.user_id)}  "
                f"workspace {r.workspace.name}"
                for r in found
            ]
        ),
    )
