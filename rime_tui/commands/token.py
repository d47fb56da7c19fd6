"""``rime-tui token list|create|delete|rotate|prune``.

A secret goes to stdout once, and nothing else does; every message goes to
stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from rime_tui.api.client import RimeClient
from rime_tui.api.errors import NotFoundError, RimeError
from rime_tui.commands.inventory import (
    Listed,
    describe,
    find_token,
    owners,
    pick_workspace,
    stamp,
    tokens_in,
    workspaces,
)
from rime_tui.commands.session import (
    CommandError,
    Exit,
    confirm,
    connect,
    need_consent,
    printable,
    say,
)
from rime_tui.wire import models as m
from rime_tui.wire.constants import MAX_NAME_LENGTH


def _now() -> datetime:
    return datetime.now(UTC)


def _date(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d")


# -- list -------------------------------------------------------------------------------


async def list_tokens(args: argparse.Namespace) -> Exit:
    async with connect(args) as session:
        client = session.client
        spaces = await workspaces(client)
        if not args.all_workspaces:
            spaces = [pick_workspace(spaces, args.workspace)]
        rows, names = await asyncio.gather(tokens_in(client, spaces), owners(client))
    now = _now()
    if args.expiring is not None:
        horizon = now + timedelta(days=args.expiring)
        rows = [r for r in rows if r.expires_within(now, horizon)]
    if args.json:
        print(json.dumps([r.as_json(names, now) for r in rows], indent=2))
    elif rows:
        _print_table(rows, names, now, with_workspace=args.all_workspaces)
    if args.expiring is None:
        if not rows:
            say("No tokens.")
        return Exit.OK
    say(f"{len(rows)} token(s) expire within {args.expiring} days.")
    return Exit.EXPIRING if rows else Exit.OK


def _print_table(
    rows: list[Listed], names: dict[str, str], now: datetime, *, with_workspace: bool
) -> None:
    header = ["ID", "NAME", "OWNER", *(["WORKSPACE"] if with_workspace else []), "SUFFIX"]
    header += ["CREATED", "EXPIRES"]
    table = [header]
    for row in rows:
        token = row.token
        expires = _date(token.expiration_time) + (" expired" if row.expired(now) else "")
        table.append(
            [
                row.id,
                token.name,
                names.get(token.user_id, token.user_id),
                *([row.workspace.name] if with_workspace else []),
                token.suffix,
                _date(token.creation_time),
                expires,
            ]
        )
    table = [[printable(cell).replace("\n", " ") for cell in line] for line in table]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )


# -- create and rotate: the secret ------------------------------------------------------


def _emit(output: str, made: m.CreateApiTokenResponse, name: str, info: Listed | None) -> None:
    """The secret on stdout, in the form asked for; the only thing there."""
    secret = made.full_api_token
    if output == "env":
        text = "export RIME_API_TOKEN='" + secret.replace("'", "'\\''") + "'"
    elif output == "json":
        text = json.dumps(
            {
                "id": made.id.uuid,
                "name": name,
                "token": secret,
                "workspaceId": info.workspace.workspace_id.uuid if info else None,
                "expirationTime": stamp(info.token.expiration_time) if info else None,
            }
        )
    else:
        text = secret
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


async def _listed(client: RimeClient, space: m.Workspace, token_id: str) -> Listed | None:
    """The token just made, as listed (for its expiration time); None if that fails."""
    try:
        rows = await tokens_in(client, [space])
    except RimeError as exc:
        say(f"warning: could not read the new token's details back: {exc}")
        return None
    return next((r for r in rows if r.id == token_id), None)


async def create(args: argparse.Namespace) -> Exit:
    async with connect(args) as session:
        client = session.client
        space = pick_workspace(await workspaces(client), args.workspace)
        made = await client.create_api_token(
            args.name, space.workspace_id.uuid, expiry_days=args.expires_in
        )
        info = await _listed(client, space, made.id.uuid)
    _emit(args.output, made, args.name.strip(), info)
    expires = _date(info.token.expiration_time) if info else "(unknown)"
    say(
        f"Created token {args.name.strip()!r} ({made.id.uuid}) in {describe(space)}; it "
        f"expires {expires}. Its secret is shown this once."
    )
    return Exit.OK


def _lifetime_days(token: m.ApiTokenInfo) -> int | None:
    if token.creation_time is None or token.expiration_time is None:
        return None
    return max(1, round((token.expiration_time - token.creation_time) / timedelta(days=1)))


async def _create_checked(
    client: RimeClient, space: m.Workspace, name: str, days: int | None
) -> m.CreateApiTokenResponse:
    """Create a token and prove that its secret works; a token that does not is deleted."""
    made = await client.create_api_token(name, space.workspace_id.uuid, expiry_days=days)
    try:
        async with RimeClient(client.cluster_url, api_token=made.full_api_token) as probe:
            await probe.rime_info()
    except RimeError:
        await _delete_quietly(client, made.id.uuid)
        raise
    return made


async def _delete_quietly(client: RimeClient, token_id: str) -> None:
    try:
        await client.delete_api_token(token_id)
    except RimeError as exc:
        say(f"warning: could not delete token {token_id}: {exc}")


async def rotate(args: argparse.Namespace) -> Exit:
    """Same name and lifetime, new secret, and never neither token.

    Token names are unique per user and workspace, so the new token cannot
    be made beside the old one: a stand-in is made first, then the old token
    is deleted, then the new one made and the stand-in deleted. If making the
    new one fails, the stand-in's secret is handed out instead.
    """
    async with connect(args) as session:
        client = session.client
        spaces = await workspaces(client)
        if args.workspace is not None:
            spaces = [pick_workspace(spaces, args.workspace)]
        rows = await tokens_in(client, spaces)
        old = await find_token(client, spaces, args.token, rows)
        if old.token.user_id != session.user_id(r.token for r in rows):
            raise CommandError(
                Exit.FAILED,
                f"token {old.token.name!r} ({old.id}) is not yours: a new token always "
                "belongs to whoever creates it, so only its owner can rotate it.",
            )
        name, space, days = old.token.name, old.workspace, _lifetime_days(old.token)
        ours = session.is_our_token(old.token)
        stand_in = await _create_checked(
            client, space, f"{name[: MAX_NAME_LENGTH - 11]} (rotating)", days
        )
        if ours:  # the old token is about to go: go on with the stand-in
            client.api_token = stand_in.full_api_token
        try:
            await client.delete_api_token(old.id)
        except NotFoundError:
            pass  # already gone
        except RimeError:
            await _delete_quietly(client, stand_in.id.uuid)
            raise
        try:
            made = await _create_checked(client, space, name, days)
        except RimeError as exc:
            info = await _listed(client, space, stand_in.id.uuid)
            _emit(args.output, stand_in, info.token.name if info else name, info)
            raise CommandError(
                Exit.FAILED,
                f"the old token is deleted, but making its successor failed ({exc}); "
                f"the secret above is of the stand-in token {stand_in.id.uuid}.",
            ) from None
        if ours:
            client.api_token = made.full_api_token
        await _delete_quietly(client, stand_in.id.uuid)
        info = await _listed(client, space, made.id.uuid)
    _emit(args.output, made, name, info)
    expires = _date(info.token.expiration_time) if info else "(unknown)"
    say(
        f"Rotated token {name!r} in {describe(space)}: {old.id} is deleted, {made.id.uuid} "
        f"replaces it and expires {expires}."
    )
    return Exit.OK


# -- delete and prune -------------------------------------------------------------------


async def delete(args: argparse.Namespace) -> Exit:
    need_consent(args.yes, "delete")
    async with connect(args) as session:
        client = session.client
        spaces = await workspaces(client)
        if args.workspace is not None:
            spaces = [pick_workspace(spaces, args.workspace)]
        row = await find_token(client, spaces, args.token)
        what = f"token {row.token.name!r} ({row.id}, …{row.token.suffix}) in {row.workspace.name}"
        if not confirm(f"Delete {what}?", args.yes):
            say("Nothing deleted.")
            return Exit.OK
        await client.delete_api_token(row.id)
    say(f"Deleted {what}.")
    return Exit.OK


async def prune(args: argparse.Namespace) -> Exit:
    need_consent(args.yes, "prune")
    async with connect(args) as session:
        client = session.client
        spaces = await workspaces(client)
        if not args.all_workspaces:
            spaces = [pick_workspace(spaces, args.workspace)]
        now = _now()
        rows = [r for r in await tokens_in(client, spaces) if r.expired(now)]
        where = describe(spaces[0]) if len(spaces) == 1 else f"the {len(spaces)} workspaces"
        if not rows:
            say(f"No expired tokens in {where}.")
            return Exit.OK
        for row in rows:
            say(
                f"  {row.token.name!r} ({row.id}) in {row.workspace.name}, "
                f"expired {_date(row.token.expiration_time)}"
            )
        if not confirm(f"Delete these {len(rows)} expired tokens?", args.yes):
            say("Nothing deleted.")
            return Exit.OK
        for row in rows:
            with contextlib.suppress(NotFoundError):  # deleted meanwhile
                await client.delete_api_token(row.id)
    say(f"Deleted {len(rows)} expired token(s) in {where}.")
    return Exit.OK


ACTIONS: dict[str, Callable[[argparse.Namespace], Coroutine[Any, Any, Exit]]] = {
    "list": list_tokens,
    "create": create,
    "delete": delete,
    "rotate": rotate,
    "prune": prune,
}
