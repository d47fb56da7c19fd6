"""``rime-tui token list|create|delete|rotate|prune``.

A secret goes to stdout once, and nothing else does; every message goes to
stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import select
import stat
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
    PAGE_SIZE,
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
    note,
    printable,
    say,
)
from rime_tui.wire import models as m
from rime_tui.wire.constants import MAX_EXPIRY_DAYS, MAX_NAME_LENGTH
from rime_tui.wire.text import refused_at
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
            note("No tokens.")
        return Exit.OK
    note(f"Expiring within {plural(args.expiring, 'day')}: {plural(len(rows), 'token')}.")
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


def _emit(
    output: str, made: m.CreateApiTokenResponse, name: str, info: m.ApiTokenInfo | None
) -> None:
    """The secret on stdout, in the form asked for; the only thing there."""
    secret = made.full_api_token
    if output == "env":
        text = "export RIME_API_TOKEN='" + secret.replace("'", "'\\''") + "'"
    elif output == "json":
        where = info.workspace_id if info else None
        text = json.dumps(
            {
                "id": made.id.uuid,
                "name": name,
                "token": secret,
                "workspaceId": where.uuid if where else None,
                "expirationTime": stamp(info.expiration_time) if info else None,
            }
        )
    else:
        text = secret
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


async def _read_back(
    client: RimeClient, workspace_id: str | None, token_id: str
) -> m.ApiTokenInfo | None:
    """The token just made, as listed (its workspace and expiration time); None if
    that fails. Without *workspace_id*, the list of the API token's own workspace."""
    try:
        async for token in client.iter_api_tokens(workspace_id, page_size=PAGE_SIZE):
            if token.id.uuid == token_id:
                return token.model_copy(
                    update={"workspace_id": token.workspace_id or _uuid(workspace_id)}
                )
    except RimeError as exc:
        say(f"warning: could not read the new token's details back: {exc}")
    return None


def _uuid(value: str | None) -> m.RimeUUID | None:
    return None if value is None else m.RimeUUID(uuid=value)


async def _deliver(
    args: argparse.Namespace,
    client: RimeClient,
    made: m.CreateApiTokenResponse,
    name: str,
    workspace_id: str | None,
    *,
    read_back: bool = True,
) -> m.ApiTokenInfo | None:
    """*made*'s secret on stdout, after reading its details back (with *read_back*); an
    interruption skips the reading, never the printing."""
    info = None
    try:
        if read_back:
            info = await _read_back(client, workspace_id, made.id.uuid)
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


def check_name(raw: str) -> str:
    """The token name as the cluster will take it, or exit 2 before any request."""
    name = raw.strip()
    problem = (
        "is empty"
        if not name
        else f"is {len(name)} characters long (at most {MAX_NAME_LENGTH})"
        if len(name) > MAX_NAME_LENGTH
        else "holds a control or invisible character (a tab, an escape, …)"
        if refused_at(name) is not None
        else None
    )
    if problem:
        raise CommandError(Exit.USAGE, f"the token name {printable(repr(raw))} {problem}.")
    return name


def reader_gone() -> bool:
    """Whether stdout is a pipe whose reader has already closed it (``| true``): a
    secret written there would be lost, so nothing is made."""
    try:
        fd = sys.stdout.fileno()
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return False
    except (AttributeError, ValueError, OSError):
        return False
    poll = select.poll()
    poll.register(fd, select.POLLOUT)
    return any(events & select.POLLERR for _, events in poll.poll(0))


def _check_stdout(what: str) -> None:
    if reader_gone():
        say(f"error: standard output is closed: {what} nothing, as its secret would be lost.")
        raise BrokenPipeError


async def create(args: argparse.Namespace) -> Exit:
    """One request with an API token and no ``--workspace`` (the token's own workspace);
    ``--output json`` reads the new token back for its workspace and expiry."""
    name = check_name(args.name)
    _check_stdout("create makes")
    async with connect(args) as session:
        client = session.client
        space = None
        if args.workspace is not None or not session.api_token:
            space = pick_workspace(await workspaces(client), args.workspace)
        workspace_id = space.workspace_id.uuid if space else None
        try:
            made = await create_token(client, workspace_id, args.name, args.expires_in, _warn)
        except Interrupted as stopped:
            try:
                _deliver_interrupted(args, stopped)
            except BrokenPipeError:
                if stopped.secret is not None:
                    await _retract(client, stopped.secret)
                raise
            raise
        try:
            info = await _deliver(
                args, client, made, name, workspace_id, read_back=args.output == "json"
            )
        except BrokenPipeError:
            await _retract(client, made)
            raise
    days = args.expires_in or MAX_EXPIRY_DAYS
    expires = _date(info.expiration_time) if info else f"in {plural(days, 'day')}"
    note(
        f"Created token {name!r} ({made.id.uuid}) in "
        f"{describe(space) if space else 'the API token' + chr(39) + 's workspace'}; it "
        f"expires {expires}. Its secret is shown this once."
    )
    return Exit.OK


async def _retract(client: RimeClient, made: m.CreateApiTokenResponse) -> None:
    """Stdout was closed (its reader went away) as *made*'s secret was printed: the
    secret is lost, so the token is deleted again (the closed pipe then ends the
    command with exit 141)."""
    try:
        await client.delete_api_token(made.id.uuid)
    except RimeError as exc:
        say(
            f"error: standard output is closed, so the secret of token {made.id.uuid} is "
            f"lost, and deleting that token failed ({exc}): delete it."
        )
        return
    say(
        f"error: standard output is closed, so the secret of token {made.id.uuid} could "
        "not be written: the token is deleted again."
    )


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
    :func:`rime_tui.api.delivery.rotate`).

    If stdout is closed as the new secret is printed, the new token stays: the old one
    is gone by then, deleting the new one would leave neither, and its secret died with
    this process (nobody holds it); ``rotate NAME`` again gives it one that can be read.
    """
    _check_stdout("rotate changes")
    async with connect(args) as session:
        client = session.client
        spaces = await spaces_for(client, args.workspace, every=args.workspace is None)
        rows = await tokens_in(client, spaces)
        old, left = await _to_rotate(session, spaces, args.token, rows)
        found = old or left
        assert found is not None
        name = old.token.name if old else args.token.strip()
        space = found.workspace
        workspace_id = space.workspace_id.uuid
        try:
            try:
                made = await rotate_token(
                    client,
                    old.token if old else None,
                    workspace_id,
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
                await _deliver(args, client, stand_in, stand_in_name(name), workspace_id)
                raise CommandError(
                    Exit.FAILED, f"{failed}; the secret above is the stand-in's."
                ) from None
            info = await _deliver(args, client, made, name, workspace_id)
        except BrokenPipeError:
            say(
                f"error: standard output is closed, so the new secret of {name!r} could not "
                "be written. The token stays (the old one is deleted; nobody holds the new "
                f"secret): run `rotate {name}` again for a secret you can read."
            )
            raise
    expires = _date(info.expiration_time) if info else "(unknown)"
    gone = f"{old.id} is deleted" if old else f"the stand-in {left.id if left else ''} is deleted"
    note(
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
            note("Nothing deleted.")
            return Exit.OK
        await client.delete_api_token(row.id)
    note(f"Deleted {what}.")
    return Exit.OK


async def prune(args: argparse.Namespace) -> Exit:
    need_consent(args.yes, "prune")
    async with connect(args) as session:
        client = session.client
        spaces = await spaces_for(client, args.workspace, every=args.all_workspaces)
        now = _now()
        rows = [r for r in await tokens_in(client, spaces) if r.expired(now)]
        if not rows:
            note(f"No expired tokens in {where(spaces)}.")
            return Exit.OK
        listing = note if args.yes else say  # the question needs its list
        for row in rows:
            listing(
                f"  {row.token.name!r} ({row.id}) in {row.workspace.name}, "
                f"expired {_date(row.token.expiration_time)}"
            )
        if not confirm(f"Delete these {len(rows)} expired tokens?", args.yes):
            note("Nothing deleted.")
            return Exit.OK
        for row in rows:
            with contextlib.suppress(NotFoundError):  # deleted meanwhile
                await client.delete_api_token(row.id)
    note(f"Deleted {plural(len(rows), 'expired token')} in {where(spaces)}.")
    return Exit.OK


ACTIONS: dict[str, Callable[[argparse.Namespace], Coroutine[Any, Any, Exit]]] = {
    "list": list_tokens,
    "create": create,
    "delete": delete,
    "rotate": rotate,
    "prune": prune,
}
