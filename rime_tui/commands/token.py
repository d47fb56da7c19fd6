"""``rime-tui token list|create|delete|rotate|prune|check|revoke``.

A secret goes to stdout once, and nothing else does (or, with ``--copy`` and
``--write``, to :mod:`rime_tui.commands.sinks`); every message goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import select
import stat
import sys
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from rime_tui.api.client import RimeClient
from rime_tui.api.delivery import Interrupted, SuccessorFailed, stand_in_left, stand_in_name
from rime_tui.api.delivery import create as create_token
from rime_tui.api.delivery import rotate as rotate_token
from rime_tui.api.errors import AuthenticationError, NotFoundError, RimeError
from rime_tui.api.tokens import Listed, tokens_in, workspaces
from rime_tui.commands.auth import MAX_TOKEN_INPUT, read_secret_input
from rime_tui.commands.exits import CommandError, Exit, note, printable, say
from rime_tui.commands.inventory import (
    describe,
    find_token,
    owners,
    pick_workspace,
    spaces_for,
    where,
)
from rime_tui.commands.listing import date_text, print_json, show_tokens, stamp, utc_now
from rime_tui.commands.session import Session, confirm, connect, need_consent
from rime_tui.commands.sinks import Sink, SinkFailed, open_sink
from rime_tui.commands.status import EXPIRY_NOTICE_DAYS
from rime_tui.commands.table import clean
from rime_tui.commands.targets import target
from rime_tui.wire import models as m
from rime_tui.wire.constants import MAX_EXPIRY_DAYS, MAX_NAME_LENGTH, MAX_PAGE_SIZE
from rime_tui.wire.text import refused_at
from rime_tui.words import plural

# -- list -------------------------------------------------------------------------------


async def list_tokens(args: argparse.Namespace) -> Exit:
    async with connect(args) as session:
        client = session.client
        spaces = await spaces_for(client, args.workspace, every=args.all_workspaces)
        rows, names = await asyncio.gather(tokens_in(client, spaces), owners(client))
    return show_tokens(args, rows, names)


# -- create and rotate: the secret ------------------------------------------------------


def _emit(
    args: argparse.Namespace,
    made: m.CreateApiTokenResponse,
    name: str,
    info: m.ApiTokenInfo | None,
    sink: Sink | None,
) -> None:
    """The secret on stdout, in the form asked for, and nothing else there; or, with
    a *sink* (``--copy``, ``--write``), the secret there and on stdout the token's id
    and name (raw), or its JSON object without ``token``."""
    secret = made.full_api_token
    where = info.workspace_id if info else None
    fields = {
        "id": made.id.uuid,
        "name": name,
        "token": secret,
        "workspaceId": where.uuid if where else None,
        "expirationTime": stamp(info.expiration_time) if info else None,
    }
    if sink is not None:
        try:
            sink.put(secret)
        except OSError as exc:
            raise SinkFailed(made, sink.where, exc) from None
        del fields["token"]
        # (the name as the cluster lists it, which may hold an escape: as list prints it)
        text = json.dumps(fields) if args.output == "json" else f"{made.id.uuid}\t{clean(name)}"
        with contextlib.suppress(BrokenPipeError):  # the secret is safe: only this is lost
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
        return
    if args.output == "env":
        text = "export RIME_API_TOKEN='" + secret.replace("'", "'\\''") + "'"
    elif args.output == "json":
        text = json.dumps(fields)
    else:
        text = secret
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:  # a full disk, a terminal gone (EIO): the secret is not given
        raise SinkFailed(made, "standard output", exc) from None


async def _read_back(
    client: RimeClient, workspace_id: str | None, token_id: str
) -> m.ApiTokenInfo | None:
    """The token just made, as listed (its workspace and expiration time); None if
    that fails. Without *workspace_id*, the list of the API token's own workspace."""
    try:
        async for token in client.iter_api_tokens(workspace_id, page_size=MAX_PAGE_SIZE):
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
    sink: Sink | None,
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
        _emit(args, made, name, None, sink)
        asyncio.current_task().uncancel()  # type: ignore[union-attr]  # answered below
        what = f"{name!r}'s secret is printed; its details were not read"
        raise Interrupted(what, None, name) from None
    _emit(args, made, name, info, sink)
    return info


def _warn(message: str) -> None:
    say(f"warning: {message}")


def _deliver_interrupted(args: argparse.Namespace, stopped: Interrupted, sink: Sink | None) -> None:
    """The secret an interrupted create or rotate holds, delivered as always."""
    if stopped.secret is not None:
        _emit(args, stopped.secret, stopped.name, None, sink)


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


def _open_sink(args: argparse.Namespace, what: str) -> Sink | None:
    """``--copy`` or ``--write``, opened before any request (exit 2 if it cannot be);
    else stdout, checked to have a reader."""
    if args.output == "env" and (args.copy or args.write):
        raise CommandError(
            Exit.USAGE, "--output env prints the secret: it cannot go with --copy or --write."
        )
    sink = open_sink(args.copy, args.write)
    if sink is None:
        _check_stdout(what)
    return sink


async def create(args: argparse.Namespace) -> Exit:
    """One request with an API token and no ``--workspace`` (the token's own workspace);
    ``--output json`` reads the new token back for its workspace and expiry."""
    name = check_name(args.name)
    sink = _open_sink(args, "create makes")
    try:
        made, space, info = await _create(args, name, sink)
    finally:
        if sink is not None:
            sink.close()
    days = args.expires_in or MAX_EXPIRY_DAYS
    expires = date_text(info.expiration_time) if info else f"in {plural(days, 'day')}"
    shown = sink.delivered if sink else "Its secret is shown this once."
    note(
        f"Created token {name!r} ({made.id.uuid}) in "
        f"{describe(space) if space else 'the API token' + chr(39) + 's workspace'}; it "
        f"expires {expires}. {shown}"
    )
    return Exit.OK


async def _create(
    args: argparse.Namespace, name: str, sink: Sink | None
) -> tuple[m.CreateApiTokenResponse, m.Workspace | None, m.ApiTokenInfo | None]:
    async with connect(args) as session:
        client = session.client
        space = None
        if args.workspace is not None or not session.api_token:
            space = pick_workspace(await workspaces(client), args.workspace)
        workspace_id = space.workspace_id.uuid if space else None
        try:
            made = await create_token(
                client, workspace_id, args.name, args.expires_in, _warn, check=False
            )
        except Interrupted as stopped:
            try:
                _deliver_interrupted(args, stopped, sink)
            except BrokenPipeError:
                if stopped.secret is not None:
                    await _retract(client, stopped.secret)
                raise
            except SinkFailed as failed:
                raise await _not_given(client, failed) from None
            raise
        try:
            info = await _deliver(
                args, client, made, name, workspace_id, sink, read_back=args.output == "json"
            )
        except BrokenPipeError:
            await _retract(client, made)
            raise
        except SinkFailed as failed:
            raise await _not_given(client, failed) from None
    return made, space, info


async def _not_given(client: RimeClient, failed: SinkFailed) -> CommandError:
    """``--copy`` or ``--write`` could not take a new token's secret: the token is
    deleted again (exit 1)."""
    deleted = await _retract(client, failed.made, failed.why)
    return CommandError(Exit.FAILED, "nothing was made." if deleted else "delete that token.")


async def _retract(
    client: RimeClient, made: m.CreateApiTokenResponse, why: str | None = None
) -> bool:
    """*made*'s secret could not be given (*why*; by default: stdout was closed, its
    reader went away, and the closed pipe then ends the command with exit 141): the
    secret is lost, so the token is deleted again."""
    why = why or "standard output is closed"
    try:
        await client.delete_api_token(made.id.uuid)
    except RimeError as exc:
        say(
            f"error: {why}, so the secret of token {made.id.uuid} is lost, and deleting "
            f"that token failed ({exc}): delete it."
        )
        return False
    say(
        f"error: {why}, so the secret of token {made.id.uuid} could not be given: the "
        "token is deleted again."
    )
    return True


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
    sink = _open_sink(args, "rotate changes")
    try:
        return await _rotate(args, sink)
    finally:
        if sink is not None:
            sink.close()


async def _rotate(args: argparse.Namespace, sink: Sink | None) -> Exit:
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
                _deliver_interrupted(args, stopped, sink)
                raise
            except SuccessorFailed as failed:
                stand_in = failed.stand_in
                await _deliver(args, client, stand_in, stand_in_name(name), workspace_id, sink)
                given = "above" if sink is None else f"in {sink.where}"
                raise CommandError(
                    Exit.FAILED, f"{failed}; the secret {given} is the stand-in's."
                ) from None
            info = await _deliver(args, client, made, name, workspace_id, sink)
        except SinkFailed as failed:
            raise CommandError(
                Exit.FAILED,
                f"{failed.why}. Token {failed.made.id.uuid} replaces {name!r} (the old one "
                "is deleted; nobody holds the new secret): run this rotate again.",
            ) from None
        except BrokenPipeError:
            say(
                f"error: standard output is closed, so the new secret of {name!r} could not "
                "be written. The token stays (the old one is deleted; nobody holds the new "
                f"secret): run `rotate {name}` again for a secret you can read."
            )
            raise
    expires = date_text(info.expiration_time) if info else "(unknown)"
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
        deleted = confirm(f"Delete {what}?", args.yes)
        if deleted:
            await client.delete_api_token(row.id)
        names = await owners(client) if args.json and deleted else {}
    if args.json:
        print_json([row] if deleted else [], names)
    note(f"Deleted {what}." if deleted else "Nothing deleted.")
    return Exit.OK


async def prune(args: argparse.Namespace) -> Exit:
    need_consent(args.yes, "prune")
    async with connect(args) as session:
        client = session.client
        spaces = await spaces_for(client, args.workspace, every=args.all_workspaces)
        now = utc_now()
        rows = [r for r in await tokens_in(client, spaces) if r.expired(now)]
        if rows:
            listing = note if args.yes else say  # the question needs its list
            for row in rows:
                listing(
                    f"  {row.token.name!r} ({row.id}) in {row.workspace.name}, "
                    f"expired {date_text(row.token.expiration_time)}"
                )
            if not confirm(f"Delete these {len(rows)} expired tokens?", args.yes):
                rows = []
                note("Nothing deleted.")
        else:
            note(f"No expired tokens in {where(spaces)}.")
        for row in rows:
            with contextlib.suppress(NotFoundError):  # deleted meanwhile
                await client.delete_api_token(row.id)
        names = await owners(client) if args.json and rows else {}
    if args.json:
        print_json(rows, names)
    if rows:
        note(f"Deleted {plural(len(rows), 'expired token')} in {where(spaces)}.")
    return Exit.OK


# -- check and revoke: for people on servers --------------------------------------------


async def check(args: argparse.Namespace) -> Exit:
    """Your tokens (every workspace you see) that expire within ``--within`` days (not
    those expired already): one line each on stdout and exit 3, else nothing and exit 0
    (for a login shell). The cluster is waited for ``--timeout`` seconds in all."""
    within = EXPIRY_NOTICE_DAYS if args.within is None else args.within
    async with connect(args) as session:
        client = session.client
        try:
            async with asyncio.timeout(args.timeout):
                rows = await tokens_in(client, await workspaces(client))
                names = await owners(client) if args.json else {}
        except TimeoutError:
            raise CommandError(
                Exit.FAILED, f"{client.cluster_url} did not answer within {args.timeout:g} s."
            ) from None
        mine = session.user_id(r.token for r in rows)
    now = utc_now()
    horizon = now + timedelta(days=within)
    soon = [
        r
        for r in rows
        if r.expires_within(now, horizon) and (mine is None or r.token.user_id == mine)
    ]
    if args.json:
        print_json(soon, names)
    else:
        for row in soon:
            expires = row.token.expiration_time
            assert expires is not None
            left = plural(math.ceil((expires - now) / timedelta(days=1)), "day")
            print(
                printable(
                    f"rime-tui: token {row.token.name!r} ({row.id}) in {row.workspace.name} "
                    f"expires {date_text(expires)}, in {left}: rime-tui token rotate {row.id}"
                )
            )
    if not soon:
        note(f"No token of yours expires within {plural(within, 'day')}.")
    return Exit.EXPIRING if soon else Exit.OK


def _read_secret() -> str:
    """The leaked secret, from stdin (from the terminal without echo)."""
    text = read_secret_input("Secret to revoke (not echoed): ")
    if len(text) > MAX_TOKEN_INPUT:
        raise CommandError(
            Exit.USAGE,
            f"standard input holds more than a secret (over {MAX_TOKEN_INPUT} "
            "characters): nothing revoked.",
        )
    secret = text.strip()
    if not secret:
        raise CommandError(Exit.USAGE, "no secret on standard input: nothing revoked.")
    if any(c.isspace() or not c.isprintable() for c in secret):
        raise CommandError(
            Exit.USAGE, "standard input holds more than one secret (or a blank): nothing revoked."
        )
    return secret


async def revoke(args: argparse.Namespace) -> Exit:
    """Revoke the token whose secret is on stdin, signed in with that secret itself.

    The wire has no lookup by secret (the cluster keeps digests): the secret, a valid
    API token, lists the tokens of its own workspace; the one whose suffix ends the
    secret is deleted, and the secret is then tried once more, to see it refused.
    """
    secret = _read_secret()
    # The secret goes to the cluster given (--cluster, RIME_CLUSTER_URL, or a profile
    # named), else the local instance: never to the default profile's cluster unasked
    # (the secret may be of any cluster, and that one would see it).
    chosen = target(args, default_profile=False)
    async with connect(args, chosen, api_token=secret) as session:
        client = session.client
        try:
            # No workspace: the list of the token's own workspace.
            listed = [t async for t in client.iter_api_tokens(None, page_size=MAX_PAGE_SIZE)]
        except AuthenticationError as exc:
            raise CommandError(
                Exit.AUTH,
                f"{client.cluster_url} does not take that secret ({exc.message}): it is "
                "revoked already, expired, or of another cluster. Nothing revoked.",
            ) from None
        found = [t for t in listed if session.is_our_token(t)]
        if len(found) != 1:
            ids = ", ".join(t.id.uuid for t in found)
            raise CommandError(
                Exit.USAGE if found else Exit.NOT_FOUND,
                f"{len(found)} tokens of that workspace end as the secret does ({ids}): "
                "revoke yours with `rime-tui token delete ID`."
                if found
                else "the secret is valid, but its token is not in its workspace's list: "
                "nothing revoked.",
            )
        token = found[0]
        await client.delete_api_token(token.id.uuid)
        try:
            await client.rime_info()
        except AuthenticationError:
            pass
        else:
            raise CommandError(
                Exit.FAILED,
                f"token {token.id.uuid} is deleted, but the cluster still takes the secret.",
            )
    if args.json:
        where = token.workspace_id or m.RimeUUID(uuid="")
        print_json([Listed(token, m.Workspace(workspace_id=where))], {})
    note(
        f"Revoked token {token.name!r} ({token.id.uuid}, …{token.suffix}) of "
        f"{client.cluster_url}: the secret no longer works."
    )
    return Exit.OK


ACTIONS: dict[str, Callable[[argparse.Namespace], Coroutine[Any, Any, Exit]]] = {
    "list": list_tokens,
    "create": create,
    "delete": delete,
    "rotate": rotate,
    "prune": prune,
    "check": check,
    "revoke": revoke,
}
