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
from rime_tui.api.delivery import Interrupted, SuccessorFailed, stand_in_left, stand_in_name
from rime_tui.api.delivery import create as create_token
from rime_tui.api.delivery import rotate as rotate_token
from rime_tui.api.errors import NotFoundError, RimeError
from rime_tui.api.tokens import Listed, tokens_in, workspaces
from rime_tui.commands.inventory import (
    as_json,
    describe,
    find_token,
    owners,
    pick_workspace,
    spaces_for,
    stamp,
    where,
)
from rime_tui.commands.session import (
    CommandError,
    Exit,
    Session,
    confirm,
    connect,
    need_consent,
    printable,
    say,
)
from rime_tui.wire import models as m
from rime_tui.words import plural


def _now() -> datetime:
    return datetime.now(UTC)


def _date(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d")


# -- list -------------------------------------------------------------------------------


async def list_tokens(args: argparse.Namespace) -> Exit:
    async with connect(args) as session:
        client = session.client
        spaces = await spaces_for(client, args.workspace, every=args.all_workspaces)
        rows, names = await asyncio.gather(tokens_in(client, spaces), owners(client))
    now = _now()
    if args.expiring is not None:
        horizon = now + timedelta(days=args.expiring)
        rows = [r for r in rows if r.expires_within(now, horizon)]
    if args.json:
        print(json.dumps([as_json(r, names, now) for r in rows], indent=2))
    elif rows:
        _print_table(rows, names, now, with_workspace=args.all_workspaces)
    if args.expiring is None:
        if not rows:
            say("No tokens.")
        return Exit.OK
    say(f"Expiring within {plural(args.expiring, 'day')}: {plural(len(rows), 'token')}.")
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


async def _deliver(
    args: argparse.Namespace,
    client: RimeClient,
    made: m.CreateApiTokenResponse,
    name: str,
    space: m.Workspace,
) -> Listed | None:
    """*made*'s secret on stdout, after reading its details back (for ``json``); an
    interruption skips the reading, never the printing."""
    try:
        info = await _listed(client, space, made.id.uuid)
    except asyncio.CancelledError:
        _emit(args.output, made, name, None)
        asyncio.current_task().uncancel()  # type: ignore[union-attr]  # answered below
        what = f"{name!r}'s secret is printed; its details were not read"
        raise Interrupted(what, None, name) from None
    _emit(args.output, made, name, info)
    return info


def _warn(message: str) -> None:
    say(f"warning: {message}")


def _deliver_interrupted(args: argparse.Namespace, stopped: Interrupted) -> None:
    """The secret an interrupted create or rotate holds, on stdout as always."""
    if stopped.secret is not None:
        _emit(args.output, stopped.secret, stopped.name, None)


async def create(args: argparse.Namespace) -> Exit:
    name = args.name.strip()
    async with connect(args) as session:
        client = session.client
        space = pick_workspace(await workspaces(client), args.workspace)
        try:
            made = await create_token(
                client, space.workspace_id.uuid, args.name, args.expires_in, _warn
            )
        except Interrupted as stopped:
            _deliver_interrupted(args, stopped)
            raise
        info = await _deliver(args, client, made, name, space)
    expires = _date(info.token.expiration_time) if info else "(unknown)"
    say(
        f"Created token {name!r} ({made.id.uuid}) in {describe(space)}; it "
        f"expires {expires}. Its secret is shown this once."
    )
    return Exit.OK


async def _to_rotate(
    session: Session, spaces: list[m.Workspace], key: str, rows: list[Listed]
) -> tuple[Listed | None, Listed | None]:
    """The token *key* names, and the stand-in an interrupted rotate of it left; when
    that rotate had already deleted the token, (None, the stand-in)."""
    user_id = session.user_id(r.token for r in rows)
    try:
        old = await find_token(session.client, spaces, key, rows)
    except CommandError as missing:
        lefts = [r for r in rows if r.token.name == stand_in_name(key.strip())]
        mine = [r for r in lefts if r.token.user_id == user_id]
        if missing.exit_code != Exit.NOT_FOUND or len(mine) != 1:
            raise
        return None, mine[0]
    if old.token.user_id != user_id:
        raise CommandError(
            Exit.FAILED,
            f"token {old.token.name!r} ({old.id}) is not yours: a new token always "
            "belongs to whoever creates it, so only its owner can rotate it.",
        )
    left = stand_in_left(rows, old.token.name, old.workspace.workspace_id.uuid, user_id)
    return old, left


async def rotate(args: argparse.Namespace) -> Exit:
    """Same name and lifetime, new secret, and never neither token (see
    :func:`rime_tui.api.delivery.rotate`)."""
    async with connect(args) as session:
        client = session.client
        spaces = await spaces_for(client, args.workspace, every=args.workspace is None)
        rows = await tokens_in(client, spaces)
        old, left = await _to_rotate(session, spaces, args.token, rows)
        found = old or left
        assert found is not None
        name = old.token.name if old else args.token.strip()
        space = found.workspace
        try:
            made = await rotate_token(
                client,
                old.token if old else None,
                space.workspace_id.uuid,
                ours=old is not None and session.is_our_token(old.token),
                warn=_warn,
                left=left.token if left else None,
                left_ours=left is not None and session.is_our_token(left.token),
                name=name,
            )
        except Interrupted as stopped:
            _deliver_interrupted(args, stopped)
            raise
        except SuccessorFailed as failed:
            stand_in = failed.stand_in
            await _deliver(args, client, stand_in, stand_in_name(name), space)
            raise CommandError(
                Exit.FAILED, f"{failed}; the secret above is the stand-in's."
            ) from None
        info = await _deliver(args, client, made, name, space)
    expires = _date(info.token.expiration_time) if info else "(unknown)"
    gone = f"{old.id} is deleted" if old else f"the stand-in {left.id if left else ''} is deleted"
    say(
        f"Rotated token {name!r} in {describe(space)}: {gone}, {made.id.uuid} "
        f"replaces it and expires {expires}."
    )
    return Exit.OK


# -- delete and prune -------------------------------------------------------------------


async def delete(args: argparse.Namespace) -> Exit:
    need_consent(args.yes, "delete")
    async with connect(args) as session:
        client = session.client
        spaces = await spaces_for(client, args.workspace, every=args.workspace is None)
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
        spaces = await spaces_for(client, args.workspace, every=args.all_workspaces)
        now = _now()
        rows = [r for r in await tokens_in(client, spaces) if r.expired(now)]
        if not rows:
            say(f"No expired tokens in {where(spaces)}.")
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
    say(f"Deleted {plural(len(rows), 'expired token')} in {where(spaces)}.")
    return Exit.OK


ACTIONS: dict[str, Callable[[argparse.Namespace], Coroutine[Any, Any, Exit]]] = {
    "list": list_tokens,
    "create": create,
    "delete": delete,
    "rotate": rotate,
    "prune": prune,
}
