"""How ``token list`` shows the tokens it found, whichever client found them (the event
loop's, :mod:`rime_tui.commands.token`, or the one-shot path,
:mod:`rime_tui.commands.quick`): the table, the ``--json`` items, ``--expiring``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from rime_tui.api.listed import Listed
from rime_tui.commands.exits import Exit, note
from rime_tui.commands.table import print_rows
from rime_tui.wire import models as m
from rime_tui.words import plural


def utc_now() -> datetime:
    return datetime.now(UTC)


def date_text(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d")


def stamp(value: datetime | None) -> str | None:
    """RFC 3339 in UTC, as on the wire."""
    return None if value is None else m.format_timestamp(value)


def owner_names(users: Iterable[m.UserDetail]) -> dict[str, str]:
    """User id → email (else the name), for naming token owners."""
    return {u.id.uuid: u.email or u.display_name for u in users}


def as_json(row: Listed, owners: dict[str, str], now: datetime) -> dict[str, Any]:
    """The ``token list --json`` item."""
    token = row.token
    return {
        "id": row.id,
        "name": token.name,
        "owner": owners.get(token.user_id, token.user_id),
        "suffix": token.suffix,
        "workspaceId": row.workspace.workspace_id.uuid,
        "creationTime": stamp(token.creation_time),
        "expirationTime": stamp(token.expiration_time),
        "expired": row.expired(now),
    }


def print_json(rows: list[Listed], names: dict[str, str], now: datetime | None = None) -> None:
    """The tokens as ``token list --json`` prints them."""
    now = now or utc_now()
    print(json.dumps([as_json(r, names, now) for r in rows], indent=2))


def show_tokens(args: argparse.Namespace, rows: list[Listed], names: dict[str, str]) -> Exit:
    """``token list``'s output for *rows* (``--json``, ``--expiring``); its exit code."""
    now = utc_now()
    if args.expiring is not None:
        horizon = now + timedelta(days=args.expiring)
        rows = [r for r in rows if r.expires_within(now, horizon)]
    if args.json:
        print_json(rows, names, now)
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
    table = []
    for row in rows:
        token = row.token
        expires = date_text(token.expiration_time) + (" expired" if row.expired(now) else "")
        table.append(
            [
                row.id,
                token.name,
                names.get(token.user_id, token.user_id),
                *([row.workspace.name] if with_workspace else []),
                token.suffix,
                date_text(token.creation_time),
                expires,
            ]
        )
    print_rows(header, table)
