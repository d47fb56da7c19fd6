"""Workspaces and tokens as the commands find them (the listing itself is shared with
the TUI in :mod:`rime_tui.api.tokens`)."""

from __future__ import annotations

from rime_tui.api.client import RimeClient
from rime_tui.api.errors import PermissionDeniedError
from rime_tui.api.listed import Listed
from rime_tui.api.tokens import tokens_in, workspaces
from rime_tui.commands.exits import CommandError, Exit
from rime_tui.commands.listing import owner_names
from rime_tui.wire import models as m
from rime_tui.wire.constants import MAX_PAGE_SIZE

SHOWN_CHOICES = 20


def describe(workspace: m.Workspace) -> str:
    return f"{workspace.name} ({workspace.workspace_id.uuid})"


def choices(lines: list[str]) -> str:
    """Indented lines, at most :data:`SHOWN_CHOICES` of them."""
    shown = [f"  {line}" for line in lines[:SHOWN_CHOICES]]
    if len(lines) > SHOWN_CHOICES:
        shown.append(f"  … and {len(lines) - SHOWN_CHOICES} more")
    return "\n".join(shown)


async def spaces_for(client: RimeClient, wanted: str | None, *, every: bool) -> list[m.Workspace]:
    """Every workspace the caller sees (*every*), or the one *wanted* names (see
    :func:`pick_workspace`)."""
    spaces = await workspaces(client)
    return spaces if every else [pick_workspace(spaces, wanted)]


def where(spaces: list[m.Workspace]) -> str:
    """The workspace, or how many, in words."""
    return describe(spaces[0]) if len(spaces) == 1 else f"the {len(spaces)} workspaces"


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


async def owners(client: RimeClient) -> dict[str, str]:
    """User id → email, for naming token owners; empty if the caller may not list users."""
    try:
        return owner_names([u async for u in client.iter_users(page_size=MAX_PAGE_SIZE)])
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
    if not found:
        raise CommandError(
            Exit.NOT_FOUND, f"no token is named {wanted!r} or has that id in {where(spaces)}."
        )
    names = await owners(client)
    raise CommandError(
        Exit.USAGE,
        f"{len(found)} tokens are named {wanted!r} in {where(spaces)}; choose one by id:\n"
        + choices(
            [
                f"{r.id}  owner {names.get(r.token.user_id, r.token.user_id)}  "
                f"workspace {r.workspace.name}"
                for r in found
            ]
        ),
    )
