"""The database schema of the local instance and its migrations.

The schema of version 1 is ``schema.sql``; each later version is one entry of
:data:`_MIGRATIONS` (SQL text, or a function for changes of data). A data dir's
``PRAGMA user_version`` says which it has.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from importlib import resources

from rime_tui.server.validation import normalize_email


def _sql(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


_SCHEMA = _sql("schema.sql")
_PROJECT_DETAILS = _sql("project_details.sql")  # version 2


def _normalize_emails(db: sqlite3.Connection) -> None:
    """Version 3 stores emails normalised (:func:`normalize_email`).

    A row whose normalised email another user already has keeps its email as it
    was (neither could sign in with it before: SQLite's NOCASE folds ASCII only).
    """
    for user_id, email in db.execute("SELECT id, email FROM users ORDER BY seq").fetchall():
        normal = normalize_email(email)
        if normal != email:
            with contextlib.suppress(sqlite3.IntegrityError):
                db.execute("UPDATE users SET email = ? WHERE id = ?", (normal, user_id))


# Each entry upgrades the schema from version N to N + 1.
_MIGRATIONS: dict[int, str | Callable[[sqlite3.Connection], None]] = {
    0: _SCHEMA,
    1: _PROJECT_DETAILS,
    2: _normalize_emails,
}
SCHEMA_VERSION = len(_MIGRATIONS)


def upgrade(db: sqlite3.Connection, version: int) -> None:
    """Upgrade *db* from *version* to the next one, in the caller's transaction.

    SQL text is run statement by statement (``executescript`` would commit first).
    """
    step = _MIGRATIONS[version]
    if callable(step):
        step(db)
    else:
        for statement in step.split(";"):
            if statement.strip():
                db.execute(statement)
    db.execute(f"PRAGMA user_version = {version + 1}")
