"""Whether a data dir's database can be served, checked when the instance starts.

An instance whose ``rime.db`` was emptied, replaced or damaged must not start as
if nothing happened: a new organization would silently replace the old one (and
overwrite ``bootstrap.json``), or every request would fail. Such a start is
refused with :class:`DatabaseProblem`, whose message says how to recover.

:func:`open_store` opens it with these checks:

- :func:`check_file`, before the database is opened (opening writes to it): an
  empty or missing ``rime.db`` next to a ``bootstrap.json``, which says an
  organization was created here;
- SQLite's own refusal of a file that is not a database, or is corrupt;
- :func:`check_store`, once it is open: SQLite's ``PRAGMA quick_check`` (it reads
  every page; the README says what it costs on a full instance), and the
  organization ``bootstrap.json`` names (by its first workspace).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from rime_tui.paths import BOOTSTRAP_FILE, DATABASE_FILE
from rime_tui.server.store import Clock, Store, system_clock

QUICK_CHECK_LINES = 3  # of SQLite's findings, quoted in the refusal
_DAMAGED = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


class DatabaseProblem(RuntimeError):
    """The data dir's database cannot be served as it is; the message says what to do."""


def _recover(data_dir: Path) -> str:
    return f"`sqlite3 {DATABASE_FILE} .recover` may save what is left. " + _start_over(data_dir)


def _start_over(data_dir: Path) -> str:
    return (
        f"Restore {DATABASE_FILE} from a backup (stop every instance on this data dir "
        f"first); or, to start a new organization instead (the old one's API tokens and "
        f"users are lost), move {data_dir / BOOTSTRAP_FILE} away and start again."
    )


def open_store(data_dir: Path, *, clock: Clock = system_clock) -> Store:
    """The data dir's store, checked; a :class:`DatabaseProblem` when it cannot be served."""
    check_file(data_dir)
    store = None
    try:
        store = Store(data_dir / DATABASE_FILE, clock=clock)
        check_store(store, data_dir)
    except sqlite3.DatabaseError as exc:
        if store is not None:
            store.close()
        if exc.sqlite_errorcode not in _DAMAGED:
            raise
        raise DatabaseProblem(
            f"{data_dir / DATABASE_FILE} is damaged ({exc}). " + _recover(data_dir)
        ) from None
    except BaseException:
        if store is not None:
            store.close()
        raise
    return store


def check_file(data_dir: Path) -> None:
    """Refuse an empty or missing database where an organization was created."""
    database = data_dir / DATABASE_FILE
    if not (data_dir / BOOTSTRAP_FILE).exists():
        return  # a first start
    if database.exists() and database.stat().st_size > 0:
        return
    state = "empty" if database.exists() else "missing"
    raise DatabaseProblem(
        f"{database} is {state}, but {BOOTSTRAP_FILE} says an organization was created "
        f"here; its users, workspaces and API tokens were in {DATABASE_FILE}. "
        + _start_over(data_dir)
    )


def check_store(store: Store, data_dir: Path) -> None:
    """Refuse a damaged database, or one without the organization bootstrap.json names."""
    found = [str(row[0]) for row in store.db.execute("PRAGMA quick_check")]
    if found != ["ok"]:
        more = "; …" if len(found) > QUICK_CHECK_LINES else ""
        shown = "; ".join(found[:QUICK_CHECK_LINES]) + more
        raise DatabaseProblem(
            f"{store.path} is damaged (SQLite's quick_check: {shown}). " + _recover(data_dir)
        )
    boot = data_dir / BOOTSTRAP_FILE
    if not boot.exists():
        return
    if not store.is_bootstrapped():
        raise DatabaseProblem(
            f"{store.path} holds no organization, but {BOOTSTRAP_FILE} says one was "
            "created here. " + _start_over(data_dir)
        )
    named = _named_workspace(boot)
    if named and store.get_workspace(named) is None:
        raise DatabaseProblem(
            f"{store.path} holds another organization than the one {BOOTSTRAP_FILE} "
            f"names (it has no workspace {named}). " + _start_over(data_dir)
        )


def _named_workspace(boot: Path) -> str | None:
    """The workspace bootstrap.json names (the organization's first), if it can be read."""
    try:
        data = json.loads(boot.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    named = data.get("workspace_id") if isinstance(data, dict) else None
    return named if isinstance(named, str) else None
