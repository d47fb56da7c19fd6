"""SQLite storage of the local instance: data access only.

One :class:`Store` owns one connection. It reads and writes rows and maps them
to wire models; what callers may do is for :mod:`rime_tui.server.rules`, what
they send is checked by :mod:`rime_tui.server.validation`, and the routes put
the two together. The web app calls the store only from its event-loop thread,
so calls never interleave.

Methods that write (``insert_*``, ``set_*``, ``update_*``, ``delete_*``) do so in
the caller's :meth:`Store.transaction` (``BEGIN IMMEDIATE``), which also holds
the checks the caller makes in it: so the 200-token cap holds even between
processes sharing a data dir. Whole operations (bootstrap, sessions, passwords)
open their own. The database runs in WAL mode with ``synchronous=NORMAL``: a
commit is written to the WAL before it is answered, so it survives the process
being killed; the WAL is fsynced at checkpoints, not at every commit, so a power
cut or an OS crash may undo the last commits (never corrupting the database).
With ``FULL`` every create waited for an fsync on the event loop (README, Figures).
A serving instance checkpoints from a thread of its own every CHECKPOINT_SECONDS
(:meth:`Store.checkpoint_in_background`): a commit that ran SQLite's automatic
checkpoint (every 1,000 pages) held the event loop for its fsync, 5-30 ms, and every
request in flight waited (the p99 of 50 clients creating at once).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rime_tui.server import schema, security
from rime_tui.server.paging import Paged, check_page_size, decode_page_token, encode_page_token
from rime_tui.wire import models as m
from rime_tui.wire.constants import ADMIN, MAX_EXPIRY_DAYS, NO_ROLE, TOKEN_TYPE_USER

Clock = Callable[[], datetime]

DEFAULT_RETENTION_DAYS = 30
CHECKPOINT_SECONDS = 1.0  # a serving instance's WAL reaches the disk this often (at most)
CUSTOMER_NAME = "local"
DEFAULT_ADMIN_EMAIL = "admin@rime.local"
DEFAULT_WORKSPACE = "Workspace 1"

# Columns a project update may set (the fields of m.ProjectChanges); lists are JSON.
_PROJECT_COLUMNS = frozenset(m.ProjectChanges.model_fields)
_PROJECT_JSON_COLUMNS = frozenset({"tags", "stress_test_categories", "continuous_test_categories"})
_PROJECT_SELECT = (
    "SELECT t.*, u.email AS owner_email, u.full_name AS owner_name"
    " FROM projects t JOIN users u ON u.id = t.owner_id"
)


def new_id() -> str:
    """A new resource id (a module function so that tests can make ids predictable)."""
    return str(uuid.uuid4())


def system_clock() -> datetime:
    return datetime.now(UTC)


def db_time(value: datetime) -> str:
    """Fixed-width UTC text, so that stored times compare as strings."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dt(value: str) -> datetime:
    """The inverse of :func:`db_time` (fromisoformat is ~50x faster than strptime)."""
    return datetime.fromisoformat(value)


@dataclass(frozen=True)
class Bootstrap:
    cluster_url: str
    admin_email: str
    admin_password: str
    workspace_id: str
    api_token: str


# -- rows to wire models ----------------------------------------------------------------


def user_detail(row: sqlite3.Row) -> m.UserDetail:
    return m.UserDetail(
        id=m.RimeUUID(uuid=row["id"]),
        name=row["full_name"] or row["email"],
        email=row["email"],
        full_name=row["full_name"],
        org_role=row["org_role"],
        role="ROLE_ADMIN" if row["org_role"] == ADMIN else "ROLE_UNSPECIFIED",
        show_tutorial=False,
    )


def workspace(row: sqlite3.Row) -> m.Workspace:
    return m.Workspace(
        workspace_id=m.RimeUUID(uuid=row["id"]),
        name=row["name"],
        description=row["description"],
        results_retention_in_days=row["retention_days"],
    )


def token_info(row: sqlite3.Row) -> m.ApiTokenInfo:
    return m.ApiTokenInfo(
        id=m.RimeUUID(uuid=row["id"]),
        name=row["name"],
        suffix=row["suffix"],
        creation_time=_dt(row["created_at"]),
        expiration_time=_dt(row["expires_at"]),
        workspace_id=m.RimeUUID(uuid=row["workspace_id"]),
        user_id=row["user_id"],
        token_type=row["token_type"],
    )


def project(row: sqlite3.Row) -> m.Project:
    return m.Project(
        id=m.RimeUUID(uuid=row["id"]),
        name=row["name"],
        description=row["description"],
        use_case=row["use_case"],
        ethical_consideration=row["ethical_consideration"],
        workspace_id=m.RimeUUID(uuid=row["workspace_id"]),
        owner_id=m.RimeUUID(uuid=row["owner_id"]),
        creation_time=_dt(row["created_at"]),
        model_task=row["model_task"],
        tags=json.loads(row["tags"]),
        stress_test_categories=json.loads(row["stress_test_categories"]),
        continuous_test_categories=json.loads(row["continuous_test_categories"]),
    )


def project_info(row: sqlite3.Row) -> m.ProjectInfo:
    """A project row of :meth:`Store.project_row` with its owner and last update."""
    return m.ProjectInfo(
        project=project(row),
        owner_details=m.ProjectOwnerDetails(
            name=row["owner_name"] or row["owner_email"], email=row["owner_email"]
        ),
        last_updated_time=_dt(row["updated_at"] or row["created_at"]),
    )


def workspace_roles(row: sqlite3.Row) -> m.WorkspaceRolesResponse:
    """Which project role each workspace role grants (the SDK's general access)."""
    return m.WorkspaceRolesResponse(
        project_id=m.RimeUUID(uuid=row["id"]),
        role_pairs=[m.RolePair.model_validate(p) for p in json.loads(row["workspace_roles"])],
    )


class Store:
    """The instance's data."""

    def __init__(self, path: Path, *, clock: Clock = system_clock) -> None:
        self.path = path
        self.clock = clock
        if not path.exists():  # created private; SQLite gives -wal/-shm the same mode
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600))
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # see the module's docstring
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA busy_timeout=10000")
        self._migrate()
        # Called with the digest of each deleted token (the runner keeps bootstrap.json true).
        self.on_token_deleted: Callable[[str], None] | None = None
        self._checkpointer: threading.Thread | None = None
        self._closing = threading.Event()

    def checkpoint_in_background(self) -> None:
        """Checkpoint the WAL from a thread with a connection of its own, every
        CHECKPOINT_SECONDS; commits no longer do (``wal_autocheckpoint=0``), so none waits for the
        checkpoint's fsync. A passive checkpoint takes no lock a writer needs: writes
        go on meanwhile. One that fails (a full disk) is tried again next time."""
        self.db.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpointer = threading.Thread(
            target=self._checkpoints,
            args=(CHECKPOINT_SECONDS,),
            name="rime-checkpoints",
            daemon=True,
        )
        self._checkpointer.start()

    def _checkpoints(self, every: float) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            while not self._closing.wait(every):
                with contextlib.suppress(sqlite3.Error):
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            db.close()

    def close(self) -> None:
        """Stop the checkpoints, then close (the last connection checkpoints the WAL)."""
        self._closing.set()
        if self._checkpointer is not None:
            self._checkpointer.join()
        self.db.close()

    # -- plumbing ---------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: the checks made in it hold until it commits.

        When it fails (a write or the commit: the disk is full, say), it is rolled
        back, unless SQLite already did, and the failure is raised.
        """
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def write_stamp(self) -> tuple[int, int]:
        """Changes whenever anything was written: rows changed on this connection,
        and SQLite's data_version (commits by other connections, other processes)."""
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        return self.db.total_changes, int(version)

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > schema.SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} has schema version {version}; this rime-tui knows "
                f"{schema.SCHEMA_VERSION}. Upgrade rime-tui."
            )
        while version < schema.SCHEMA_VERSION:
            with self.transaction() as db:
                schema.upgrade(db, version)
            version += 1

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _page(
        self, kind: str, sql: str, args: tuple[Any, ...], page_token: str, page_size: int | None
    ) -> Paged:
        """Keyset paging over ``seq``: *sql* must select ``seq`` and end in its WHERE."""
        after = decode_page_token(kind, page_token)
        size = check_page_size(page_size)
        rows = self.db.execute(
            f"{sql} AND t.seq > ? ORDER BY t.seq LIMIT ?",
            (*args, after, size + 1),
        ).fetchall()
        has_more = len(rows) > size
        rows = rows[:size]
        token = encode_page_token(kind, rows[-1]["seq"]) if has_more and rows else ""
        return Paged(rows, token, has_more)

    # -- bootstrap ----------------------------------------------------------------

    def is_bootstrapped(self) -> bool:
        return self._meta("org_id") is not None

    def bootstrap(self, cluster_url: str) -> Bootstrap | None:
        """Create the organization, the default admin, "Workspace 1" and its token.

        Returns what was created, or None when the instance already existed.
        """
        if self.is_bootstrapped():
            return None
        password = security.new_password()
        password_hash = security.hash_password(password)
        secret = security.new_api_token()
        now = self.clock()
        with self.transaction() as db:
            if self._meta("org_id") is not None:
                return None
            db.execute("INSERT INTO meta VALUES ('org_id', ?)", (new_id(),))
            db.execute("INSERT INTO meta VALUES ('customer_name', ?)", (CUSTOMER_NAME,))
            db.execute("INSERT INTO meta VALUES ('created_at', ?)", (db_time(now),))
            admin_id = self.insert_user(DEFAULT_ADMIN_EMAIL, "Default Admin", ADMIN, password_hash)
            ws_id = self.insert_workspace(DEFAULT_WORKSPACE, "The default workspace.", None)
            self.insert_token(secret, "Default token", ws_id, admin_id, MAX_EXPIRY_DAYS)
        return Bootstrap(cluster_url, DEFAULT_ADMIN_EMAIL, password, ws_id, secret)

    def org_id(self) -> str:
        return self._meta("org_id") or ""

    def created_at(self) -> datetime:
        return _dt(self._meta("created_at") or db_time(self.clock()))

    # -- credentials ----------------------------------------------------------------

    def api_token_credential(self, digest: str) -> sqlite3.Row | None:
        """The API token with *digest*, with its user's id and org role."""
        row: sqlite3.Row | None = self.db.execute(
            "SELECT t.id, t.digest, t.workspace_id, t.expires_at, u.id AS user_id,"
            " u.org_role FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.digest = ?",
            (digest,),
        ).fetchone()
        return row

    def session_credential(self, digest: str) -> sqlite3.Row | None:
        """The session with *digest*, with its user's id and org role."""
        row: sqlite3.Row | None = self.db.execute(
            "SELECT s.digest, s.expires_at, u.id AS user_id, u.org_role"
            " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.digest = ?",
            (digest,),
        ).fetchone()
        return row

    def password_hash_for(self, email: str) -> tuple[str, str] | None:
        """(user id, password hash) of the user with *email* (in its normal form)."""
        row = self.db.execute(
            "SELECT id, password_hash FROM users WHERE email = ?", (email,)
        ).fetchone()
        return None if row is None else (row["id"], row["password_hash"])

    def add_session(self, digest: str, user_id: str, expires: datetime) -> None:
        """Keep a new session (and forget the expired ones)."""
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE expires_at <= ?", (db_time(self.clock()),))
            db.execute("INSERT INTO sessions VALUES (?, ?, ?)", (digest, user_id, db_time(expires)))

    def end_session(self, digest: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE digest = ?", (digest,))

    def end_all_sessions(self, user_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))

    def change_password(self, email: str, password_hash: str) -> bool:
        """Give the user with *email* a new password and end all their sessions;
        False when there is no such user."""
        with self.transaction() as db:
            row = db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()
            if row is None:
                return False
            db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, row[0]))
            db.execute("DELETE FROM sessions WHERE user_id = ?", (row[0],))
        return True

    # -- users ---------------------------------------------------------------------

    def insert_user(self, email: str, full_name: str, org_role: str, password_hash: str) -> str:
        """A new user (in the caller's transaction); org admins join every workspace."""
        user_id = new_id()
        self.db.execute(
            "INSERT INTO users (id, email, full_name, org_role, password_hash, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, email, full_name, org_role, password_hash, db_time(self.clock())),
        )
        if org_role == ADMIN:
            self.db.execute(
                "INSERT OR REPLACE INTO members (workspace_id, user_id, role, implicit)"
                " SELECT id, ?, ?, 1 FROM workspaces",
                (user_id, ADMIN),
            )
        return user_id

    def email_taken(self, email: str) -> bool:
        found = self.db.execute("SELECT 1 FROM users WHERE email = ?", (email,)).fetchone()
        return found is not None

    def get_user(self, user_id: str) -> m.UserDetail | None:
        row = self.db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return None if row is None else user_detail(row)

    def org_role(self, user_id: str) -> str | None:
        row = self.db.execute("SELECT org_role FROM users WHERE id = ?", (user_id,)).fetchone()
        return None if row is None else str(row["org_role"])

    def user_row(self, user_id: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM users WHERE id = ?", (user_id,)
        ).fetchone()
        return row

    def org_admins(self) -> list[sqlite3.Row]:
        """Every organization admin, oldest first."""
        return self.db.execute(
            "SELECT * FROM users WHERE org_role = ? ORDER BY seq", (ADMIN,)
        ).fetchall()

    def delete_user(self, user_id: str, heir_id: str) -> list[str]:
        """Delete a user (in the caller's transaction) with their sessions, tokens and
        memberships; their projects pass to *heir_id*. Returns the deleted tokens' ids."""
        tokens = self.db.execute(
            "SELECT id, digest FROM api_tokens WHERE user_id = ?", (user_id,)
        ).fetchall()
        self.db.execute("UPDATE projects SET owner_id = ? WHERE owner_id = ?", (heir_id, user_id))
        self.db.execute("DELETE FROM users WHERE id = ?", (user_id,))  # cascades the rest
        if self.on_token_deleted is not None:
            for token in tokens:
                self.on_token_deleted(token["digest"])
        return [token["id"] for token in tokens]

    def list_users(
        self, only: str | None, page_token: str, page_size: int | None
    ) -> m.ListUsersResponse:
        """Every user, or only the one with id *only*."""
        sql = "SELECT * FROM users t WHERE 1"
        args: tuple[str, ...] = ()
        if only is not None:
            sql, args = sql + " AND t.id = ?", (only,)
        page = self._page("users", sql, args, page_token, page_size)
        return m.ListUsersResponse(
            users=[user_detail(r) for r in page.rows],
            next_page_token=page.next_page_token,
            has_more=page.has_more,
        )

    def memberships(self, user_id: str, only: str | None) -> list[m.Role]:
        """The user's workspace roles (only in workspace *only*, when given)."""
        sql = "SELECT workspace_id, role, implicit FROM members WHERE user_id = ?"
        args: tuple[Any, ...] = (user_id,)
        if only:
            sql += " AND workspace_id = ?"
            args = (*args, only)
        return [
            m.Role(
                subject_type="SUBJECT_TYPE_WORKSPACE",
                subject_id=row["workspace_id"],
                role=row["role"],
                implicit_grant=bool(row["implicit"]),
            )
            for row in self.db.execute(sql + " ORDER BY seq", args)
        ]

    # -- workspaces ----------------------------------------------------------------

    def insert_workspace(self, name: str, description: str, retention: int | None) -> str:
        """A new workspace (in the caller's transaction); every org admin is its admin."""
        ws_id = new_id()
        self.db.execute(
            "INSERT INTO workspaces (id, name, description, retention_days, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (ws_id, name, description, retention or DEFAULT_RETENTION_DAYS, db_time(self.clock())),
        )
        self.db.execute(
            "INSERT INTO members (workspace_id, user_id, role, implicit)"
            " SELECT ?, id, ?, 1 FROM users WHERE org_role = ?",
            (ws_id, ADMIN, ADMIN),
        )
        return ws_id

    def workspace_name_taken(self, name: str) -> bool:
        found = self.db.execute("SELECT 1 FROM workspaces WHERE name = ?", (name,)).fetchone()
        return found is not None

    def workspace_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM workspaces").fetchone()[0])

    def member_role(self, user_id: str, workspace_id: str) -> tuple[bool, str | None]:
        """(whether the workspace exists, the user's role in it or None)."""
        row = self.db.execute(
            "SELECT w.id, m.role FROM workspaces w LEFT JOIN members m"
            " ON m.workspace_id = w.id AND m.user_id = ? WHERE w.id = ?",
            (user_id, workspace_id),
        ).fetchone()
        return (False, None) if row is None else (True, row["role"])

    def get_workspace(self, workspace_id: str) -> m.Workspace | None:
        row = self.db.execute("SELECT * FROM workspaces WHERE id = ?", (workspace_id,)).fetchone()
        return None if row is None else workspace(row)

    def list_workspaces(
        self, only: str | None, member: str | None, page_token: str, page_size: int | None
    ) -> m.ListWorkspacesResponse:
        """Every workspace, or only the one with id *only*, or only those where the
        user *member* has a role other than ACTOR_ROLE_NONE (or both)."""
        sql = "SELECT t.* FROM workspaces t WHERE 1"
        args: tuple[Any, ...] = ()
        if only:
            sql += " AND t.id = ?"
            args = (only,)
        if member is not None:
            sql += " AND t.id IN (SELECT workspace_id FROM members WHERE user_id = ? AND role != ?)"
            args = (*args, member, NO_ROLE)
        page = self._page("workspaces", sql, args, page_token, page_size)
        return m.ListWorkspacesResponse(
            workspaces=[workspace(r) for r in page.rows],
            next_page_token=page.next_page_token,
            has_more=page.has_more,
        )

    def list_members(
        self, workspace_id: str, page_token: str, page_size: int | None
    ) -> m.ListWorkspaceMembersResponse:
        page = self._page(
            f"members-{workspace_id}",
            "SELECT t.seq, t.role, t.implicit, u.* FROM members t JOIN users u"
            " ON u.id = t.user_id WHERE t.workspace_id = ?",
            (workspace_id,),
            page_token,
            page_size,
        )
        return m.ListWorkspaceMembersResponse(
            workspace_id=m.RimeUUID(uuid=workspace_id),
            users=[
                m.WorkspaceMember(
                    user_detail=user_detail(r),
                    user_role=r["role"],
                    implicit_grant=bool(r["implicit"]),
                )
                for r in page.rows
            ],
            next_page_token=page.next_page_token,
            has_more=page.has_more,
        )

    def set_member(self, workspace_id: str, user_id: str, role: str) -> None:
        """Add a member or change their role (in the caller's transaction)."""
        self.db.execute(
            "INSERT INTO members (workspace_id, user_id, role, implicit)"
            " VALUES (?, ?, ?, 0) ON CONFLICT (workspace_id, user_id)"
            " DO UPDATE SET role = excluded.role",
            (workspace_id, user_id, role),
        )

    # -- API tokens ----------------------------------------------------------------

    def insert_token(
        self, secret: str, name: str, workspace_id: str, user_id: str, expiry_days: int
    ) -> str:
        """A new user token (in the caller's transaction); only its digest is kept."""
        token_id = new_id()
        now = self.clock()
        self.db.execute(
            "INSERT INTO api_tokens (id, name, digest, suffix, workspace_id, user_id,"
            " token_type, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                token_id,
                name,
                security.digest(secret),
                secret[-security.SUFFIX_LENGTH :],
                workspace_id,
                user_id,
                TOKEN_TYPE_USER,
                db_time(now),
                db_time(now + timedelta(days=expiry_days)),
            ),
        )
        return token_id

    def token_name_taken(self, workspace_id: str, user_id: str, name: str) -> bool:
        found = self.db.execute(
            "SELECT 1 FROM api_tokens WHERE workspace_id = ? AND user_id = ? AND name = ?",
            (workspace_id, user_id, name),
        ).fetchone()
        return found is not None

    def token_count(self) -> int:
        """The tokens on the instance (SQLite counts an index's entries: no row is read)."""
        return int(self.db.execute("SELECT COUNT(*) FROM api_tokens").fetchone()[0])

    def expired_token_count(self) -> int:
        """The tokens on the instance that have expired (each row's expiry is read)."""
        found = self.db.execute(
            "SELECT COUNT(*) FROM api_tokens WHERE expires_at <= ?", (db_time(self.clock()),)
        ).fetchone()
        return int(found[0])

    def token_page(
        self,
        workspace_id: str | None,
        owner: str | None,
        token_type: str | None,
        page_token: str,
        page_size: int | None,
    ) -> Paged:
        """One page of token rows (of one workspace, one owner, one type when given),
        in one query."""
        sql = "SELECT t.* FROM api_tokens t WHERE 1"
        args: tuple[Any, ...] = ()
        if workspace_id:
            sql += " AND t.workspace_id = ?"
            args = (workspace_id,)
        if owner is not None:
            sql += " AND t.user_id = ?"
            args = (*args, owner)
        if token_type:
            sql += " AND t.token_type = ?"
            args = (*args, token_type)
        return self._page(f"tokens-{workspace_id or ''}", sql, args, page_token, page_size)

    def token_owner(self, token_id: str) -> sqlite3.Row | None:
        """The workspace_id and user_id of a token, and its owner's org_role."""
        row: sqlite3.Row | None = self.db.execute(
            "SELECT t.workspace_id, t.user_id, u.org_role FROM api_tokens t"
            " JOIN users u ON u.id = t.user_id WHERE t.id = ?",
            (token_id,),
        ).fetchone()
        return row

    def delete_token(self, token_id: str) -> None:
        row = self.db.execute(
            "DELETE FROM api_tokens WHERE id = ? RETURNING digest", (token_id,)
        ).fetchone()
        if row is not None and self.on_token_deleted is not None:
            self.on_token_deleted(row["digest"])

    # -- projects ------------------------------------------------------------------

    def project_row(self, project_id: str) -> sqlite3.Row | None:
        """A project with its owner's email and name (for :func:`project_info`)."""
        row: sqlite3.Row | None = self.db.execute(
            _PROJECT_SELECT + " WHERE t.id = ?", (project_id,)
        ).fetchone()
        return row

    def project_name_taken(self, workspace_id: str, name: str, but: str = "") -> bool:
        """Whether a project other than *but* has *name* in the workspace."""
        found = self.db.execute(
            "SELECT 1 FROM projects WHERE workspace_id = ? AND name = ? AND id != ?",
            (workspace_id, name, but),
        ).fetchone()
        return found is not None

    def insert_project(
        self,
        *,
        name: str,
        description: str,
        workspace_id: str,
        owner_id: str,
        model_task: str,
        use_case: str,
        ethical_consideration: str,
        tags: list[str],
    ) -> str:
        project_id = new_id()
        self.db.execute(
            "INSERT INTO projects (id, name, description, workspace_id, owner_id,"
            " created_at, model_task, use_case, tags, ethical_consideration)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                project_id,
                name,
                description,
                workspace_id,
                owner_id,
                db_time(self.clock()),
                model_task,
                use_case,
                json.dumps(tags),
                ethical_consideration,
            ),
        )
        return project_id

    def update_project(self, project_id: str, changes: dict[str, object]) -> None:
        """Set the columns *changes* names (lists as JSON) and the update time."""
        if not changes.keys() <= _PROJECT_COLUMNS:
            raise ValueError(f"not project columns: {sorted(changes.keys() - _PROJECT_COLUMNS)}")
        values = [
            json.dumps(value) if column in _PROJECT_JSON_COLUMNS else value
            for column, value in changes.items()
        ]
        # Column names come from _PROJECT_COLUMNS only; every value is a parameter.
        assignments = "".join(f"{column} = ?, " for column in changes)
        self.db.execute(
            f"UPDATE projects SET {assignments}updated_at = ? WHERE id = ?",  # noqa: S608
            (*values, db_time(self.clock()), project_id),
        )

    def set_workspace_roles(self, project_id: str, pairs: list[m.RolePair]) -> None:
        self.db.execute(
            "UPDATE projects SET workspace_roles = ?, updated_at = ? WHERE id = ?",
            (
                json.dumps([pair.model_dump(mode="json") for pair in pairs]),
                db_time(self.clock()),
                project_id,
            ),
        )

    def delete_project(self, project_id: str) -> None:
        self.db.execute("DELETE FROM projects WHERE id = ?", (project_id,))

    def list_projects(
        self, workspace_id: str | None, member: str | None, page_token: str, page_size: int | None
    ) -> m.ListProjectsResponse:
        """Projects of one workspace, or of the workspaces where the user *member* has a
        role other than ACTOR_ROLE_NONE, or all."""
        sql = _PROJECT_SELECT + " WHERE 1"
        args: tuple[Any, ...] = ()
        if workspace_id:
            sql += " AND t.workspace_id = ?"
            args = (workspace_id,)
        elif member is not None:
            sql += (
                " AND t.workspace_id IN"
                " (SELECT workspace_id FROM members WHERE user_id = ? AND role != ?)"
            )
            args = (member, NO_ROLE)
        page = self._page(f"projects-{workspace_id or ''}", sql, args, page_token, page_size)
        return m.ListProjectsResponse(
            projects=[project_info(r) for r in page.rows],
            next_page_token=page.next_page_token,
            has_more=page.has_more,
        )
