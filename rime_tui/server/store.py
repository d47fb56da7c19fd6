"""SQLite storage and the product rules of the local instance.

One :class:`Store` owns one connection.  The web app calls it only from its
event-loop thread, so every method runs to completion without interleaving;
writes additionally run in ``BEGIN IMMEDIATE`` transactions so that the
200-token cap also holds between processes sharing a data dir.  The database
runs in WAL mode with ``synchronous=FULL``: a write that was answered has been
fsynced and survives a crash.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import sqlite3
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rime_tui import __version__
from rime_tui.api import models as m
from rime_tui.server import security
from rime_tui.server.errors import (
    Code,
    ServiceError,
    denied,
    invalid,
    not_found,
    unauthenticated,
)

Clock = Callable[[], datetime]

SCHEMA_VERSION = 3  # the number of entries of _MIGRATIONS
MAX_TOKENS = 200
MAX_EXPIRY_DAYS = 270
SESSION_HOURS = 12
DEFAULT_PAGE_SIZE = 50
_TOKEN_JSON_CACHE_SIZE = 1000  # serialised tokens kept; more than MAX_TOKENS live ones
MAX_PAGE_SIZE = 500
MAX_NAME_LENGTH = 100
DEFAULT_RETENTION_DAYS = 30
CUSTOMER_NAME = "local"
DEFAULT_ADMIN_EMAIL = "admin@rime.local"
DEFAULT_WORKSPACE = "Workspace 1"

ADMIN = "ACTOR_ROLE_ADMIN"
USER = "ACTOR_ROLE_USER"
NO_ROLE = "ACTOR_ROLE_NONE"
# What a workspace role allows (a token carries its owner's role). Every role but
# ACTOR_ROLE_NONE reads; these also create tokens and projects and delete their own;
# ADMIN alone manages members, their tokens and their projects.
WRITE_ROLES = frozenset({ADMIN, USER})
ACTOR_ROLES = frozenset(
    {
        "ACTOR_ROLE_ADMIN",
        "ACTOR_ROLE_USER",
        "ACTOR_ROLE_VIEWER",
        "ACTOR_ROLE_SUPPORT",
        "ACTOR_ROLE_VP",
        "ACTOR_ROLE_NONE",
    }
)
TOKEN_TYPES = frozenset(
    {
        "TOKEN_TYPE_USER",
        "TOKEN_TYPE_INTERNAL_AGENT",
        "TOKEN_TYPE_EXTERNAL_AGENT",
        "TOKEN_TYPE_FIREWALL_AGENT",
        "TOKEN_TYPE_UNSPECIFIED",
    }
)
MODEL_TASKS = frozenset(
    {
        "MODEL_TASK_UNSPECIFIED",
        "MODEL_TASK_REGRESSION",
        "MODEL_TASK_BINARY_CLASSIFICATION",
        "MODEL_TASK_MULTICLASS_CLASSIFICATION",
        "MODEL_TASK_NAMED_ENTITY_RECOGNITION",
        "MODEL_TASK_RANKING",
        "MODEL_TASK_OBJECT_DETECTION",
        "MODEL_TASK_NATURAL_LANGUAGE_INFERENCE",
        "MODEL_TASK_FILL_MASK",
        "MODEL_TASK_ANOMALY_DETECTION",
    }
)
TEST_CATEGORIES = frozenset(
    {
        "TEST_CATEGORY_TYPE_ABNORMAL_INPUTS",
        "TEST_CATEGORY_TYPE_ADVERSARIAL",
        "TEST_CATEGORY_TYPE_BIAS_AND_FAIRNESS",
        "TEST_CATEGORY_TYPE_DATA_CLEANLINESS",
        "TEST_CATEGORY_TYPE_DRIFT",
        "TEST_CATEGORY_TYPE_MODEL_PERFORMANCE",
        "TEST_CATEGORY_TYPE_DATA_POISONING_DETECTION",
        "TEST_CATEGORY_TYPE_SUBSET_PERFORMANCE",
        "TEST_CATEGORY_TYPE_SUBSET_PERFORMANCE_DEGRADATION",
        "TEST_CATEGORY_TYPE_TRANSFORMATIONS",
        "TEST_CATEGORY_TYPE_EVASION_ATTACK_DETECTION",
        "TEST_CATEGORY_TYPE_CUSTOM",
    }
)
# PUT /v1/projects/{id}: the mask paths the local instance updates, and their columns.
PROJECT_UPDATES = {
    "name": "name",
    "description": "description",
    "useCase": "use_case",
    "ethicalConsideration": "ethical_consideration",
    "tags": "tags",
    "stressTestCategories": "stress_test_categories",
    "continuousTestCategories": "continuous_test_categories",
}
_PROJECT_JSON_COLUMNS = frozenset({"tags", "stress_test_categories", "continuous_test_categories"})
_PROJECT_SELECT = (
    "SELECT t.*, u.email AS owner_email, u.full_name AS owner_name"
    " FROM projects t JOIN users u ON u.id = t.owner_id"
)
# C0 and C1 controls, line and paragraph separators, bidirectional marks, embeddings,
# overrides and isolates, and zero-width characters: refused in names, emails and
# descriptions (descriptions may hold line breaks and tabs). The zero-width joiner and
# non-joiner (U+200C, U+200D) are not: emoji sequences and scripts such as Persian
# need them, and they only join visible characters.
_FORBIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b\u200e\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff]"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
MAX_SEQ = 2**63 - 1

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    full_name TEXT NOT NULL,
    org_role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE workspaces (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    retention_days INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE members (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    implicit INTEGER NOT NULL DEFAULT 0,
    UNIQUE (workspace_id, user_id)
);
CREATE TABLE api_tokens (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    suffix TEXT NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_type TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    UNIQUE (workspace_id, user_id, name)
);
CREATE INDEX api_tokens_by_workspace ON api_tokens (workspace_id, seq);
CREATE TABLE sessions (
    digest TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL
);
CREATE TABLE projects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    owner_id TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    model_task TEXT NOT NULL,
    use_case TEXT NOT NULL,
    tags TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);
"""

# Version 2: the project fields the SDK reads and updates, and its workspace roles.
_PROJECT_DETAILS = """
ALTER TABLE projects ADD COLUMN ethical_consideration TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN stress_test_categories TEXT NOT NULL DEFAULT '[]';
ALTER TABLE projects ADD COLUMN continuous_test_categories TEXT NOT NULL DEFAULT '[]';
ALTER TABLE projects ADD COLUMN workspace_roles TEXT NOT NULL DEFAULT '[]';
ALTER TABLE projects ADD COLUMN updated_at TEXT;
"""


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


def new_id() -> str:
    """A new resource id (a module function so that tests can make ids predictable)."""
    return str(uuid.uuid4())


def system_clock() -> datetime:
    return datetime.now(UTC)


def _ts(value: datetime) -> str:
    """Fixed-width UTC text, so that stored times compare as strings."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dt(value: str) -> datetime:
    """The inverse of :func:`_ts` (fromisoformat is ~50x faster than strptime)."""
    return datetime.fromisoformat(value)


def check_uuid(value: str, what: str) -> str:
    """The canonical form of a UUID given by a caller, or a 400."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise invalid(f"{what} {value[:80]!r} is not a valid UUID.") from None


def check_text(value: str, what: str, *, multiline: bool = False) -> str:
    """*value*, or a 400 naming *what* when it holds a character that hides or
    reorders text on a screen (see ``_FORBIDDEN``)."""
    for found in _FORBIDDEN.finditer(value):
        if multiline and found.group() in "\n\t":
            continue
        raise invalid(
            f"{what} must not contain control characters (such as newlines or tabs), "
            f"bidirectional controls or zero-width characters; it has U+{ord(found.group()):04X} "
            f"at position {found.start() + 1}."
        )
    return value


def clean_name(value: str, what: str) -> str:
    name = value.strip()
    if not name:
        raise invalid(f"{what} must not be empty.")
    if len(name) > MAX_NAME_LENGTH:
        raise invalid(f"{what} is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}.")
    return check_text(name, what)


def normalize_email(email: str) -> str:
    """The form emails are stored and matched in: NFKC, then Unicode case folding."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email.strip()).casefold())


def encode_page_token(kind: str, seq: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{kind}:{seq}".encode()).decode().rstrip("=")


def decode_page_token(kind: str, token: str) -> int:
    """The position a page token stands for; 0 for the first page."""
    if not token:
        return 0
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        version, token_kind, seq = raw.split(":")
        position = int(seq)
        # Only the exact text this server hands out: no signs, spaces, underscores or
        # non-ASCII digits that int() would take, and a position SQLite can hold.
        if version != "v1" or token_kind != kind or not 0 <= position <= MAX_SEQ:
            raise ValueError(raw)
        if encode_page_token(kind, position) != token:
            raise ValueError(raw)
        return position
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid(
            "pageToken is not valid here; pass the nextPageToken of a previous answer "
            "of the same list, or none for the first page."
        ) from None


def check_page_size(page_size: int | None) -> int:
    if page_size is None or page_size == 0:
        return DEFAULT_PAGE_SIZE
    if page_size < 0:
        raise invalid(f"pageSize must be between 1 and {MAX_PAGE_SIZE}, not {page_size}.")
    return min(page_size, MAX_PAGE_SIZE)


@dataclass(frozen=True)
class Principal:
    """Who is calling, and through what."""

    user_id: str
    email: str
    org_admin: bool
    token_id: str | None = None
    token_workspace: str | None = None
    session_digest: str | None = None

    @property
    def org_admin_session(self) -> bool:
        """An organization admin signed in with a password: may act organization-wide."""
        return self.org_admin and self.token_id is None


def require_org_admin_session(principal: Principal, doing: str) -> None:
    """Organization-wide actions: an org admin signed in with a password, never a token."""
    if not principal.org_admin:
        raise denied(f"Only organization admins can {doing}.")
    if principal.token_id is not None:
        raise denied(
            f"An API token is confined to its workspace and cannot {doing}; sign in with "
            "the organization admin's email and password."
        )


@dataclass(frozen=True)
class Bootstrap:
    cluster_url: str
    admin_email: str
    admin_password: str
    workspace_id: str
    api_token: str


@dataclass(frozen=True)
class Paged:
    rows: list[sqlite3.Row]
    next_page_token: str
    has_more: bool


class Store:
    """The instance's data and rules."""

    def __init__(self, path: Path, *, clock: Clock = system_clock) -> None:
        self.path = path
        self.clock = clock
        if not path.exists():  # created private; SQLite gives -wal/-shm the same mode
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600))
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA busy_timeout=10000")
        self._migrate()
        self._token_json: dict[str, bytes] = {}  # token id -> its ApiTokenInfo JSON
        # Called with the digest of each deleted token (the runner keeps bootstrap.json true).
        self.on_token_deleted: Callable[[str], None] | None = None

    def close(self) -> None:
        self.db.close()

    # -- plumbing ---------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} has schema version {version}; this rime-tui knows "
                f"{SCHEMA_VERSION}. Upgrade rime-tui."
            )
        while version < SCHEMA_VERSION:
            with self._write() as db:
                step = _MIGRATIONS[version]
                if callable(step):
                    step(db)
                else:
                    for statement in step.split(";"):
                        if statement.strip():
                            db.execute(statement)
                version += 1
                db.execute(f"PRAGMA user_version = {version}")

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

    def bootstrap(self, cluster_url: str, password: str | None = None) -> Bootstrap | None:
        """Create the organization, the default admin, "Workspace 1" and its token.

        Returns what was created, or None when the instance already existed.
        """
        if self.is_bootstrapped():
            return None
        password = password or security.new_password()
        password_hash = security.hash_password(password)
        secret = security.new_api_token()
        now = self.clock()
        with self._write() as db:
            if self._meta("org_id") is not None:
                return None
            db.execute("INSERT INTO meta VALUES ('org_id', ?)", (new_id(),))
            db.execute("INSERT INTO meta VALUES ('customer_name', ?)", (CUSTOMER_NAME,))
            db.execute("INSERT INTO meta VALUES ('created_at', ?)", (_ts(now),))
            admin_id = self._insert_user(DEFAULT_ADMIN_EMAIL, "Default Admin", ADMIN, password_hash)
            ws_id = self._insert_workspace(DEFAULT_WORKSPACE, "The default workspace.", None)
            self._insert_token(secret, "Default token", ws_id, admin_id, MAX_EXPIRY_DAYS)
        return Bootstrap(cluster_url, DEFAULT_ADMIN_EMAIL, password, ws_id, secret)

    # -- authentication -------------------------------------------------------------

    def _credential(self, sql: str, secret: str, unknown: str, expired: str) -> sqlite3.Row:
        """The row of a live credential (API token or session) found by its digest."""
        wanted = security.digest(secret)
        row: sqlite3.Row | None = self.db.execute(sql, (wanted,)).fetchone()
        if row is None or not security.same_digest(row["digest"], wanted):
            raise unauthenticated(unknown)
        if row["expires_at"] <= _ts(self.clock()):
            raise unauthenticated(expired.format(date=row["expires_at"][:10]))
        return row

    def authenticate_api_token(self, secret: str) -> Principal:
        row = self._credential(
            "SELECT t.id, t.digest, t.workspace_id, t.expires_at, u.id AS user_id, u.email,"
            " u.org_role FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.digest = ?",
            secret,
            unknown="The API token is not valid: it is unknown or was deleted.",
            expired="The API token expired on {date}; create a new one.",
        )
        return Principal(
            user_id=row["user_id"],
            email=row["email"],
            org_admin=row["org_role"] == ADMIN,
            token_id=row["id"],
            token_workspace=row["workspace_id"],
        )

    def authenticate_session(self, secret: str) -> Principal:
        row = self._credential(
            "SELECT s.digest, s.expires_at, u.id AS user_id, u.email, u.org_role"
            " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.digest = ?",
            secret,
            unknown="The session is not valid; sign in again.",
            expired="The session expired; sign in again.",
        )
        return Principal(
            user_id=row["user_id"],
            email=row["email"],
            org_admin=row["org_role"] == ADMIN,
            session_digest=row["digest"],
        )

    def password_hash_for(self, email: str) -> tuple[str, str] | None:
        """(user id, password hash) of the user with *email* (in its normal form)."""
        row = self.db.execute(
            "SELECT id, password_hash FROM users WHERE email = ?", (email,)
        ).fetchone()
        return None if row is None else (row["id"], row["password_hash"])

    def create_session(self, user_id: str) -> m.LoginResponse:
        secret = security.new_session_token()
        now = self.clock()
        expires = now + timedelta(hours=SESSION_HOURS)
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE expires_at <= ?", (_ts(now),))
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?)",
                (security.digest(secret), user_id, _ts(expires)),
            )
        return m.LoginResponse(
            session_token=secret, expiration_time=expires, user=self.get_user(user_id)
        )

    def end_session(self, principal: Principal) -> None:
        if principal.session_digest is not None:
            with self._write() as db:
                db.execute("DELETE FROM sessions WHERE digest = ?", (principal.session_digest,))

    def end_all_sessions(self, principal: Principal) -> None:
        """Sign the caller out everywhere (password sessions only; tokens are kept)."""
        if principal.session_digest is None:
            raise denied("Ending all sessions needs a password session, not an API token.")
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE user_id = ?", (principal.user_id,))

    def set_password(self, email: str, password_hash: str) -> None:
        """Give the user with *email* a new password and end all their sessions."""
        with self._write() as db:
            row = db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()
            if row is None:
                raise not_found(f"No user with email {email}.")
            db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, row[0]))
            db.execute("DELETE FROM sessions WHERE user_id = ?", (row[0],))

    # -- cluster ---------------------------------------------------------------------

    def rime_info(self) -> m.RimeInfo:
        created = _dt(self._meta("created_at") or _ts(self.clock()))
        return m.RimeInfo(
            cluster_info_version="2.13.2",
            customer_name=CUSTOMER_NAME,
            expiration_time=created + timedelta(days=3650),
            grace_period_end_time=created + timedelta(days=3680),
            ri_plan="RI_PLAN_LOCAL_TRIAL",
            build_version=f"rime-tui-local/{__version__}",
        )

    def limit_status(self, customer_name: str, limit: str) -> m.LimitStatus:
        if customer_name != CUSTOMER_NAME:
            raise not_found(f"No customer named {customer_name!r}; this instance's is 'local'.")
        now = self.clock()
        if limit == "LICENSE_LIMIT_EXPIRATION":
            expires = self.rime_info().expiration_time or now
            value, current = int(expires.timestamp()), int(now.timestamp())
        elif limit == "LICENSE_LIMIT_WORKSPACES":
            value = 10_000
            current = self.db.execute("SELECT COUNT(*) FROM workspaces").fetchone()[0]
        elif limit in (
            "LICENSE_LIMIT_STRESS_TEST_RUNS",
            "LICENSE_LIMIT_FIREWALL",
            "LICENSE_LIMIT_FIREWALL_REQUESTS",
        ):
            value, current = 1_000_000, 0
        else:
            raise invalid(
                f"Unknown license limit {limit[:80]!r}; use e.g. LICENSE_LIMIT_EXPIRATION."
            )
        return m.LimitStatus(
            limit=limit,
            limit_status="STATUS_OK" if current < value else "STATUS_ERROR",
            limit_value=str(value),
            current_value=str(current),
        )

    # -- users ---------------------------------------------------------------------

    def _insert_user(self, email: str, full_name: str, org_role: str, password_hash: str) -> str:
        user_id = new_id()
        self.db.execute(
            "INSERT INTO users (id, email, full_name, org_role, password_hash, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, email, full_name, org_role, password_hash, _ts(self.clock())),
        )
        if org_role == ADMIN:  # org admins are members of every workspace
            self.db.execute(
                "INSERT OR REPLACE INTO members (workspace_id, user_id, role, implicit)"
                " SELECT id, ?, ?, 1 FROM workspaces",
                (user_id, ADMIN),
            )
        return user_id

    @staticmethod
    def _user(row: sqlite3.Row) -> m.UserDetail:
        return m.UserDetail(
            id=m.RimeUUID(uuid=row["id"]),
            name=row["full_name"] or row["email"],
            email=row["email"],
            full_name=row["full_name"],
            org_role=row["org_role"],
            role="ROLE_ADMIN" if row["org_role"] == ADMIN else "ROLE_UNSPECIFIED",
            show_tutorial=False,
        )

    def get_user(self, user_id: str) -> m.UserDetail:
        user_id = check_uuid(user_id, "userId")
        row = self.db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        if row is None:
            raise not_found(f"No user with id {user_id}.")
        return self._user(row)

    def visible_user(self, principal: Principal, user_id: str) -> m.UserDetail:
        """Organization admins (signed in with a password) see anyone; others themselves."""
        user_id = check_uuid(user_id, "userId")
        if not (principal.org_admin_session or user_id == principal.user_id):
            raise not_found(f"No user with id {user_id}.")
        return self.get_user(user_id)

    def list_users(
        self, principal: Principal, page_token: str, page_size: int | None
    ) -> m.ListUsersResponse:
        sql = "SELECT * FROM users t WHERE 1"
        args: tuple[str, ...] = ()
        if not principal.org_admin_session:
            sql, args = sql + " AND t.id = ?", (principal.user_id,)
        page = self._page("users", sql, args, page_token, page_size)
        return m.ListUsersResponse(
            users=[self._user(r) for r in page.rows],
            next_page_token=page.next_page_token,
            has_more=page.has_more,
        )

    def validate_new_user(self, principal: Principal, req: m.CreateUserRequest) -> None:
        require_org_admin_session(principal, "create users")
        check_text(req.email, "email")
        email = normalize_email(req.email)
        if not _EMAIL.match(email) or len(email) > 254:
            raise invalid(f"{req.email[:80]!r} is not an email address.")
        if len(req.password) < 8:
            raise invalid("The password must be at least 8 characters long.")
        if len(req.password) > 1024:
            raise invalid("The password must be at most 1024 characters long.")
        if req.org_role not in ACTOR_ROLES:
            raise invalid(f"orgRole {req.org_role[:80]!r} is not an ActorRole.")
        check_text(req.full_name, "fullName")

    def create_user(self, req: m.CreateUserRequest, password_hash: str) -> str:
        email = normalize_email(req.email)
        with self._write():
            exists = self.db.execute("SELECT 1 FROM users WHERE email = ?", (email,)).fetchone()
            if exists:
                raise ServiceError(Code.ALREADY_EXISTS, f"A user with email {email} exists.")
            return self._insert_user(
                email, req.full_name.strip()[:200], req.org_role, password_hash
            )

    def roles(self, principal: Principal) -> m.RolesResponse:
        roles = [
            m.Role(
                subject_type="SUBJECT_TYPE_ORGANIZATION",
                subject_id=self._meta("org_id") or "",
                role=ADMIN if principal.org_admin else "ACTOR_ROLE_USER",
                implicit_grant=False,
            )
        ]
        sql = "SELECT workspace_id, role, implicit FROM members WHERE user_id = ?"
        args: tuple[Any, ...] = (principal.user_id,)
        if principal.token_workspace:
            sql += " AND workspace_id = ?"
            args = (*args, principal.token_workspace)
        for row in self.db.execute(sql + " ORDER BY seq", args):
            roles.append(
                m.Role(
                    subject_type="SUBJECT_TYPE_WORKSPACE",
                    subject_id=row["workspace_id"],
                    role=row["role"],
                    implicit_grant=bool(row["implicit"]),
                )
            )
        return m.RolesResponse(roles=roles)

    # -- workspaces ----------------------------------------------------------------

    def _insert_workspace(self, name: str, description: str, retention: int | None) -> str:
        ws_id = new_id()
        self.db.execute(
            "INSERT INTO workspaces (id, name, description, retention_days, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (ws_id, name, description, retention or DEFAULT_RETENTION_DAYS, _ts(self.clock())),
        )
        self.db.execute(
            "INSERT INTO members (workspace_id, user_id, role, implicit)"
            " SELECT ?, id, ?, 1 FROM users WHERE org_role = ?",
            (ws_id, ADMIN, ADMIN),
        )
        return ws_id

    @staticmethod
    def _workspace(row: sqlite3.Row) -> m.Workspace:
        return m.Workspace(
            workspace_id=m.RimeUUID(uuid=row["id"]),
            name=row["name"],
            description=row["description"],
            results_retention_in_days=row["retention_days"],
        )

    def _role(self, principal: Principal, workspace_id: str) -> str | None:
        """The caller's role in a workspace; None for a non-member or no such workspace."""
        row = self.db.execute(
            "SELECT w.id, m.role FROM workspaces w LEFT JOIN members m"
            " ON m.workspace_id = w.id AND m.user_id = ? WHERE w.id = ?",
            (principal.user_id, workspace_id),
        ).fetchone()
        if row is None:
            return None
        return ADMIN if principal.org_admin else row["role"]

    def _confine(self, principal: Principal, workspace_id: str) -> None:
        if principal.token_workspace and principal.token_workspace != workspace_id:
            raise denied(
                f"This API token is limited to workspace {principal.token_workspace}; "
                f"it cannot be used for workspace {workspace_id}."
            )

    def workspace_role(
        self, principal: Principal, workspace_id: str, *, doing: str = ""
    ) -> tuple[str, str]:
        """(canonical id, the caller's role) of a workspace the caller may read, or a 4xx.

        Outsiders get the 404 of an unknown workspace, so that they cannot tell
        which ids exist. With *doing*, the role must also be one that writes.
        """
        workspace_id = check_uuid(workspace_id, "workspaceId")
        role = self._role(principal, workspace_id)
        if role is None:
            raise not_found(f"No workspace with id {workspace_id}.")
        self._confine(principal, workspace_id)
        if role == NO_ROLE:
            raise denied(f"Your role in workspace {workspace_id} is {NO_ROLE}: no access.")
        if doing and role not in WRITE_ROLES:
            raise denied(f"Your role in workspace {workspace_id} is {role}: it cannot {doing}.")
        return workspace_id, role

    def require_workspace(self, principal: Principal, workspace_id: str) -> str:
        """The canonical id of a workspace the caller may read, or a 4xx."""
        return self.workspace_role(principal, workspace_id)[0]

    def require_workspace_admin(self, principal: Principal, workspace_id: str, doing: str) -> str:
        """The canonical id of a workspace the caller administers, or a 4xx."""
        workspace_id, role = self.workspace_role(principal, workspace_id, doing=doing)
        if role != ADMIN:
            raise denied(f"Only workspace admins can {doing}.")
        return workspace_id

    def list_workspaces(
        self, principal: Principal, page_token: str, page_size: int | None
    ) -> m.ListWorkspacesResponse:
        sql = "SELECT t.* FROM workspaces t WHERE 1"
        args: tuple[Any, ...] = ()
        if principal.token_workspace:
            sql += " AND t.id = ?"
            args = (principal.token_workspace,)
        if not principal.org_admin:
            sql += " AND t.id IN (SELECT workspace_id FROM members WHERE user_id = ? AND role != ?)"
            args = (*args, principal.user_id, NO_ROLE)
        page = self._page("workspaces", sql, args, page_token, page_size)
        return m.ListWorkspacesResponse(
            workspaces=[self._workspace(r) for r in page.rows],
            next_page_token=page.next_page_token,
            has_more=page.has_more,
        )

    def get_workspace(self, principal: Principal, workspace_id: str) -> m.Workspace:
        workspace_id = self.require_workspace(principal, workspace_id)
        row = self.db.execute("SELECT * FROM workspaces WHERE id = ?", (workspace_id,)).fetchone()
        return self._workspace(row)

    def create_workspace(self, principal: Principal, req: m.CreateWorkspaceRequest) -> str:
        require_org_admin_session(principal, "create workspaces")
        name = clean_name(req.name, "The workspace name")
        if req.results_retention_in_days is not None and not (
            0 <= req.results_retention_in_days <= 3650
        ):
            raise invalid("resultsRetentionInDays must be between 0 and 3650.")
        if len(req.description) > 2000:
            raise invalid("The description must be at most 2000 characters long.")
        check_text(req.description, "description", multiline=True)
        with self._write() as db:
            if db.execute("SELECT 1 FROM workspaces WHERE name = ?", (name,)).fetchone():
                raise ServiceError(Code.ALREADY_EXISTS, f"A workspace named {name!r} exists.")
            return self._insert_workspace(name, req.description, req.results_retention_in_days)

    def list_members(
        self, principal: Principal, workspace_id: str, page_token: str, page_size: int | None
    ) -> m.ListWorkspaceMembersResponse:
        workspace_id = self.require_workspace(principal, workspace_id)
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
                    user_detail=self._user(r),
                    user_role=r["role"],
                    implicit_grant=bool(r["implicit"]),
                )
                for r in page.rows
            ],
            next_page_token=page.next_page_token,
            has_more=page.has_more,
        )

    def add_members(
        self, principal: Principal, workspace_id: str, req: m.AddMembersRequest
    ) -> None:
        workspace_id = self.require_workspace_admin(principal, workspace_id, "add members")
        if not req.users:
            raise invalid("users must name at least one user.")
        with self._write() as db:
            for spec in req.users:
                user_id = check_uuid(spec.user_id.uuid, "userId")
                if spec.user_role not in ACTOR_ROLES:
                    raise invalid(f"userRole {spec.user_role[:80]!r} is not an ActorRole.")
                row = db.execute("SELECT org_role FROM users WHERE id = ?", (user_id,)).fetchone()
                if row is None:
                    raise not_found(f"No user with id {user_id}.")
                if row["org_role"] == ADMIN:
                    continue  # already an implicit admin member of every workspace
                db.execute(
                    "INSERT INTO members (workspace_id, user_id, role, implicit)"
                    " VALUES (?, ?, ?, 0) ON CONFLICT (workspace_id, user_id)"
                    " DO UPDATE SET role = excluded.role",
                    (workspace_id, user_id, spec.user_role),
                )

    # -- API tokens ----------------------------------------------------------------

    def _insert_token(
        self, secret: str, name: str, workspace_id: str, user_id: str, expiry_days: int
    ) -> str:
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
                "TOKEN_TYPE_USER",
                _ts(now),
                _ts(now + timedelta(days=expiry_days)),
            ),
        )
        return token_id

    @staticmethod
    def _token(row: sqlite3.Row) -> m.ApiTokenInfo:
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

    def _token_page(
        self,
        principal: Principal,
        workspace_id: str | None,
        token_type: str | None,
        page_token: str,
        page_size: int | None,
    ) -> Paged:
        sql = "SELECT t.* FROM api_tokens t WHERE 1"
        args: tuple[Any, ...] = ()
        scope = workspace_id or principal.token_workspace
        everyones = principal.org_admin  # else their own tokens, but a workspace admin's
        if scope:
            scope, role = self.workspace_role(principal, scope)
            sql += " AND t.workspace_id = ?"
            args = (scope,)
            everyones = role == ADMIN
        if not everyones:
            sql += " AND t.user_id = ?"
            args = (*args, principal.user_id)
        if token_type:
            if token_type not in TOKEN_TYPES:
                raise invalid(f"firstPageQuery.tokenType {token_type[:80]!r} is not a TokenType.")
            sql += " AND t.token_type = ?"
            args = (*args, token_type)
        return self._page(f"tokens-{scope or ''}", sql, args, page_token, page_size)

    def list_tokens(
        self,
        principal: Principal,
        workspace_id: str | None,
        token_type: str | None,
        page_token: str,
        page_size: int | None,
    ) -> m.ListApiTokensResponse:
        page = self._token_page(principal, workspace_id, token_type, page_token, page_size)
        return m.ListApiTokensResponse(
            api_token_infos=[self._token(r) for r in page.rows],
            next_page_token=page.next_page_token,
            has_more=page.has_more,
        )

    def list_tokens_json(
        self,
        principal: Principal,
        workspace_id: str | None,
        token_type: str | None,
        page_token: str,
        page_size: int | None,
    ) -> bytes:
        """:meth:`list_tokens` as wire JSON (``exclude_none``), byte for byte.

        The hot path of the token screen: a token row never changes after it is
        created, so each one is serialised once and its JSON reused.
        """
        page = self._token_page(principal, workspace_id, token_type, page_token, page_size)
        cache = self._token_json
        items = []
        for row in page.rows:
            item = cache.get(row["id"])
            if item is None:
                if len(cache) >= _TOKEN_JSON_CACHE_SIZE:
                    cache.clear()
                item = self._token(row).model_dump_json(exclude_none=True).encode()
                cache[row["id"]] = item
            items.append(item)
        return b"".join(
            (
                b'{"nextPageToken":',
                json.dumps(page.next_page_token).encode(),
                b',"hasMore":',
                b"true" if page.has_more else b"false",
                b',"apiTokenInfos":[',
                b",".join(items),
                b"]}",
            )
        )

    def target_workspace(self, principal: Principal, given: m.RimeUUID | None, doing: str) -> str:
        """The workspace a create call names, else the calling API token's one; the
        caller's role there must be one that writes."""
        target = given.uuid if given else principal.token_workspace
        if not target:
            raise invalid(
                "workspaceId is required when signed in with a session "
                "(an API token defaults to its own workspace)."
            )
        return self.workspace_role(principal, target, doing=doing)[0]

    def create_token(
        self, principal: Principal, req: m.CreateApiTokenRequest
    ) -> m.CreateApiTokenResponse:
        if req.token_type != "TOKEN_TYPE_USER":
            raise invalid(
                f"Only TOKEN_TYPE_USER tokens can be created here, not {req.token_type[:80]!r}."
            )
        name = clean_name(req.name, "The token name")
        days = MAX_EXPIRY_DAYS if req.expiry_days is None else req.expiry_days
        if not 1 <= days <= MAX_EXPIRY_DAYS:
            raise invalid(f"expiryDays must be between 1 and {MAX_EXPIRY_DAYS}, not {days}.")
        workspace_id = self.target_workspace(principal, req.workspace_id, doing="create API tokens")
        secret = security.new_api_token()
        with self._write() as db:
            total, expired = self.token_counts()
            if total >= MAX_TOKENS:
                hint = (
                    f" {expired} of them {'has' if expired == 1 else 'have'} expired and"
                    " can be deleted to make room."
                    if expired
                    else " Delete a token you no longer use to make room."
                )
                raise ServiceError(
                    Code.RESOURCE_EXHAUSTED,
                    f"This instance already has {total} API access tokens, the most it "
                    f"allows ({MAX_TOKENS}, across all workspaces).{hint}",
                )
            clash = db.execute(
                "SELECT 1 FROM api_tokens WHERE workspace_id = ? AND user_id = ? AND name = ?",
                (workspace_id, principal.user_id, name),
            ).fetchone()
            if clash:
                raise ServiceError(
                    Code.ALREADY_EXISTS,
                    f"You already have a token named {name!r} in this workspace; "
                    "choose another name.",
                )
            token_id = self._insert_token(secret, name, workspace_id, principal.user_id, days)
        return m.CreateApiTokenResponse(id=m.RimeUUID(uuid=token_id), full_api_token=secret)

    def delete_token(self, principal: Principal, token_id: str) -> None:
        token_id = check_uuid(token_id, "id")
        with self._write() as db:
            row = db.execute(
                "SELECT workspace_id, user_id, digest FROM api_tokens WHERE id = ?", (token_id,)
            ).fetchone()
            # Anyone may delete their own tokens (whatever their role now); workspace
            # admins also those of the workspace's members.
            visible = row is not None and (
                row["user_id"] == principal.user_id
                or self._role(principal, row["workspace_id"]) == ADMIN
            )
            if not visible:
                raise not_found(f"No API token with id {token_id}.")
            self._confine(principal, row["workspace_id"])
            db.execute("DELETE FROM api_tokens WHERE id = ?", (token_id,))
        self._token_json.pop(token_id, None)
        if self.on_token_deleted is not None:
            self.on_token_deleted(row["digest"])

    def token_counts(self) -> tuple[int, int]:
        """(all tokens, expired tokens) on the instance."""
        total, expired = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(expires_at <= ?), 0) FROM api_tokens",
            (_ts(self.clock()),),
        ).fetchone()
        return int(total), int(expired)

    # -- projects ------------------------------------------------------------------

    @staticmethod
    def _project(row: sqlite3.Row) -> m.Project:
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

    @classmethod
    def _project_info(cls, row: sqlite3.Row) -> m.ProjectInfo:
        """A project row of :data:`_PROJECT_SELECT` with its owner and last update."""
        return m.ProjectInfo(
            project=cls._project(row),
            owner_details=m.ProjectOwnerDetails(
                name=row["owner_name"] or row["owner_email"], email=row["owner_email"]
            ),
            last_updated_time=_dt(row["updated_at"] or row["created_at"]),
        )

    @staticmethod
    def _check_project_text(value: str, what: str) -> str:
        if len(value) > 2000:
            raise invalid(f"The {what} must be at most 2000 characters long.")
        check_text(value, what, multiline=True)
        return value

    @staticmethod
    def _check_tags(tags: list[str]) -> list[str]:
        if len(tags) > 50 or any(len(t) > 100 for t in tags):
            raise invalid("At most 50 tags of at most 100 characters each.")
        for tag in tags:
            check_text(tag, "tags")
        return tags

    @staticmethod
    def _check_categories(values: list[str], what: str) -> list[str]:
        for value in values:
            if value not in TEST_CATEGORIES:
                raise invalid(f"{what} {value[:80]!r} is not a TestCategoryType.")
        return values

    def create_project(self, principal: Principal, req: m.CreateProjectRequest) -> m.Project:
        workspace_id = self.target_workspace(principal, req.workspace_id, doing="create projects")
        name = clean_name(req.name, "The project name")
        self._check_project_text(req.description, "description")
        self._check_project_text(req.use_case or "", "use case")
        self._check_project_text(req.ethical_consideration or "", "ethical consideration")
        tags = self._check_tags(req.tags or [])
        model_task = req.model_task or "MODEL_TASK_UNSPECIFIED"
        if model_task not in MODEL_TASKS:
            raise invalid(f"modelTask {model_task[:80]!r} is not a ModelTask.")
        project_id = new_id()
        with self._write() as db:
            self._check_project_name_free(workspace_id, name)
            db.execute(
                "INSERT INTO projects (id, name, description, workspace_id, owner_id,"
                " created_at, model_task, use_case, tags, ethical_consideration)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    project_id,
                    name,
                    req.description,
                    workspace_id,
                    principal.user_id,
                    _ts(self.clock()),
                    model_task,
                    req.use_case or "",
                    json.dumps(tags),
                    req.ethical_consideration or "",
                ),
            )
        return self._project(self._visible_project(principal, project_id)[0])

    def _check_project_name_free(self, workspace_id: str, name: str, but: str = "") -> None:
        clash = self.db.execute(
            "SELECT 1 FROM projects WHERE workspace_id = ? AND name = ? AND id != ?",
            (workspace_id, name, but),
        ).fetchone()
        if clash:
            raise ServiceError(
                Code.ALREADY_EXISTS, f"A project named {name!r} exists in this workspace."
            )

    def _visible_project(self, principal: Principal, project_id: str) -> tuple[sqlite3.Row, str]:
        """A project the caller may read and their role in its workspace, or a 4xx."""
        project_id = check_uuid(project_id, "projectId")
        row: sqlite3.Row | None = self.db.execute(
            _PROJECT_SELECT + " WHERE t.id = ?", (project_id,)
        ).fetchone()
        role = None if row is None else self._role(principal, row["workspace_id"])
        if row is None or role is None or role == NO_ROLE:
            raise not_found(f"No project with id {project_id}.")
        self._confine(principal, row["workspace_id"])
        return row, role

    def get_project(self, principal: Principal, project_id: str) -> m.ProjectInfo:
        return self._project_info(self._visible_project(principal, project_id)[0])

    def update_project(
        self, principal: Principal, project_id: str, req: m.UpdateProjectRequest
    ) -> m.Project:
        """Change the fields *req.mask* names (a FieldMask: comma-separated wire names)."""
        paths = [path.strip() for path in req.mask.split(",") if path.strip()]
        if not paths:
            raise invalid('mask must name the fields to update, e.g. "name,description".')
        for path in paths:
            if path not in PROJECT_UPDATES:
                raise invalid(
                    f"The local instance cannot update {path[:80]!r}; "
                    f"it updates {', '.join(PROJECT_UPDATES)}."
                )
        row = self._writable_project(principal, project_id, "change")
        changes: dict[str, Any] = {}
        for path in paths:
            column = PROJECT_UPDATES[path]
            value = getattr(req.project, column)
            if column == "name":
                changes[column] = clean_name(value or "", "The project name")
            elif column in _PROJECT_JSON_COLUMNS:
                values = value or []
                if column == "tags":
                    self._check_tags(values)
                else:
                    self._check_categories(values, path)
                changes[column] = json.dumps(values)
            else:
                changes[column] = self._check_project_text(value or "", path)
        with self._write() as db:
            if "name" in changes:
                self._check_project_name_free(row["workspace_id"], changes["name"], row["id"])
            # Column names come from PROJECT_UPDATES only; every value is a parameter.
            assignments = "".join(f"{column} = ?, " for column in changes)
            db.execute(
                f"UPDATE projects SET {assignments}updated_at = ? WHERE id = ?",  # noqa: S608
                (*changes.values(), _ts(self.clock()), row["id"]),
            )
        return self._project(self._visible_project(principal, project_id)[0])

    def workspace_roles(self, principal: Principal, project_id: str) -> m.WorkspaceRolesResponse:
        """Which project role each workspace role grants (the SDK's general access)."""
        row = self._visible_project(principal, project_id)[0]
        return m.WorkspaceRolesResponse(
            project_id=m.RimeUUID(uuid=row["id"]),
            role_pairs=[m.RolePair.model_validate(p) for p in json.loads(row["workspace_roles"])],
        )

    def set_workspace_roles(
        self, principal: Principal, project_id: str, req: m.UpdateWorkspaceRolesRequest
    ) -> m.WorkspaceRolesResponse:
        row = self._writable_project(principal, project_id, "change")
        parents = [pair.parent_role for pair in req.role_pairs]
        for role in (*parents, *(pair.subject_role for pair in req.role_pairs)):
            if role not in ACTOR_ROLES:
                raise invalid(f"rolePairs: {role[:80]!r} is not an ActorRole.")
        if len(set(parents)) != len(parents):
            raise invalid("rolePairs names a parentRole more than once.")
        pairs = [pair.model_dump(mode="json") for pair in req.role_pairs]
        with self._write() as db:
            db.execute(
                "UPDATE projects SET workspace_roles = ?, updated_at = ? WHERE id = ?",
                (json.dumps(pairs), _ts(self.clock()), row["id"]),
            )
        return self.workspace_roles(principal, project_id)

    def _writable_project(self, principal: Principal, project_id: str, doing: str) -> sqlite3.Row:
        """A project the caller may change or delete (a workspace admin, or its owner with
        a role that writes), or a 4xx."""
        row, role = self._visible_project(principal, project_id)
        mine = row["owner_id"] == principal.user_id
        if not (role == ADMIN or (mine and role in WRITE_ROLES)):
            raise denied(
                f"Your role in workspace {row['workspace_id']} is {role}: it cannot {doing} "
                + ("projects." if mine else "other members' projects.")
            )
        return row

    def delete_project(self, principal: Principal, project_id: str) -> None:
        row = self._writable_project(principal, project_id, "delete")
        with self._write() as db:
            db.execute("DELETE FROM projects WHERE id = ?", (row["id"],))

    def list_projects(
        self,
        principal: Principal,
        workspace_id: str | None,
        page_token: str,
        page_size: int | None,
    ) -> m.ListProjectsResponse:
        sql = _PROJECT_SELECT + " WHERE 1"
        args: tuple[Any, ...] = ()
        scope = workspace_id or principal.token_workspace
        if scope:
            sql += " AND t.workspace_id = ?"
            args = (self.require_workspace(principal, scope),)
        elif not principal.org_admin:
            sql += (
                " AND t.workspace_id IN"
                " (SELECT workspace_id FROM members WHERE user_id = ? AND role != ?)"
            )
            args = (principal.user_id, NO_ROLE)
        page = self._page(f"projects-{scope or ''}", sql, args, page_token, page_size)
        return m.ListProjectsResponse(
            projects=[self._project_info(r) for r in page.rows],
            next_page_token=page.next_page_token,
            has_more=page.has_more,
        )
