"""Who is calling, and what they may see and do.

- **Credentials.** An API token or a password session makes a :class:`Principal`.
- **Roles.** Organization admins are admins of every workspace. Every workspace
  role but ACTOR_ROLE_NONE reads; ADMIN and USER also create tokens and projects
  and delete their own; ADMIN alone manages members, their tokens and projects
  (an organization admin's tokens: organization admins only).
- **Confinement.** An API token acts in its own workspace only, and never
  organization-wide.
- **Visibility.** What a caller may not read does not exist for them: the
  answer is the 404 of an unknown id, so that ids cannot be probed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from rime_tui.server import security
from rime_tui.server.errors import (
    denied,
    failed_precondition,
    invalid,
    not_found,
    unauthenticated,
)
from rime_tui.server.store import DEFAULT_ADMIN_EMAIL, Store, db_time
from rime_tui.server.validation import check_uuid
from rime_tui.wire import models as m
from rime_tui.wire.constants import ADMIN, NO_ROLE, USER

WRITE_ROLES = frozenset({ADMIN, USER})


@dataclass(frozen=True)
class Principal:
    """Who is calling, and through what."""

    user_id: str
    org_admin: bool
    token_id: str | None = None
    token_workspace: str | None = None
    session_digest: str | None = None

    @property
    def org_admin_session(self) -> bool:
        """An organization admin signed in with a password: may act organization-wide."""
        return self.org_admin and self.token_id is None


# -- credentials ------------------------------------------------------------------------


def _live(
    store: Store,
    lookup: Callable[[str], sqlite3.Row | None],
    secret: str,
    unknown: str,
    expired: str,
) -> sqlite3.Row:
    """The row of the credential *secret*, found by its digest, if it is live."""
    wanted = security.digest(secret)
    row = lookup(wanted)
    if row is None or not security.same_digest(row["digest"], wanted):
        raise unauthenticated(unknown)
    if row["expires_at"] <= db_time(store.clock()):
        raise unauthenticated(expired.format(date=row["expires_at"][:10]))
    return row


def authenticate_api_token(store: Store, secret: str) -> Principal:
    row = _live(
        store,
        store.api_token_credential,
        secret,
        unknown="The API token is not valid: it is unknown or was deleted.",
        expired="The API token expired on {date}; create a new one.",
    )
    return Principal(
        row["user_id"],
        row["org_role"] == ADMIN,
        token_id=row["id"],
        token_workspace=row["workspace_id"],
    )


def authenticate_session(store: Store, secret: str) -> Principal:
    row = _live(
        store,
        store.session_credential,
        secret,
        unknown="The session is not valid; sign in again.",
        expired="The session expired; sign in again.",
    )
    return Principal(row["user_id"], row["org_role"] == ADMIN, session_digest=row["digest"])


# -- organization -----------------------------------------------------------------------


def require_org_admin_session(principal: Principal, doing: str) -> None:
    """Organization-wide actions: an org admin signed in with a password, never a token."""
    if not principal.org_admin:
        raise denied(f"Only organization admins can {doing}.")
    if principal.token_id is not None:
        raise denied(
            f"An API token is confined to its workspace and cannot {doing}; sign in with "
            "the organization admin's email and password."
        )


def visible_user_id(principal: Principal, user_id: str) -> str:
    """Organization admins (signed in with a password) see anyone; others themselves."""
    user_id = check_uuid(user_id, "userId")
    if not (principal.org_admin_session or user_id == principal.user_id):
        raise not_found(f"No user with id {user_id}.")
    return user_id


def deletable_user(store: Store, principal: Principal, user_id: str) -> str:
    """The canonical id of a user the caller may delete, or a 4xx.

    Organization admins signed in with a password delete users, but not themselves
    nor the instance's own admin (whose password ``serve --reset-admin-password``
    resets): so an organization admin always remains.
    """
    require_org_admin_session(principal, "delete users")
    user_id = check_uuid(user_id, "userId")
    row = store.user_row(user_id)
    if row is None:
        raise not_found(f"No user with id {user_id}.")
    if user_id == principal.user_id:
        raise failed_precondition("You cannot delete yourself; another organization admin can.")
    if row["email"] == DEFAULT_ADMIN_EMAIL:
        raise failed_precondition(
            f"{DEFAULT_ADMIN_EMAIL} is this instance's own admin (rime-tui serve "
            "--reset-admin-password gives it a new password); it cannot be deleted."
        )
    return user_id


def listed_user(principal: Principal) -> str | None:
    """The one user a caller's user list holds, or None for every user."""
    return None if principal.org_admin_session else principal.user_id


# -- workspaces -------------------------------------------------------------------------


def role(store: Store, principal: Principal, workspace_id: str) -> str | None:
    """The caller's role in a workspace; None for a non-member or no such workspace."""
    exists, member_role = store.member_role(principal.user_id, workspace_id)
    if not exists:
        return None
    return ADMIN if principal.org_admin else member_role


def confine(principal: Principal, workspace_id: str) -> None:
    if principal.token_workspace and principal.token_workspace != workspace_id:
        raise denied(
            f"This API token is limited to workspace {principal.token_workspace}; "
            f"it cannot be used for workspace {workspace_id}."
        )


def workspace_role(
    store: Store, principal: Principal, workspace_id: str, *, doing: str = ""
) -> tuple[str, str]:
    """(canonical id, the caller's role) of a workspace the caller may read, or a 4xx.

    Outsiders get the 404 of an unknown workspace, so that they cannot tell
    which ids exist. With *doing*, the role must also be one that writes.
    """
    workspace_id = check_uuid(workspace_id, "workspaceId")
    found = role(store, principal, workspace_id)
    if found is None:
        raise not_found(f"No workspace with id {workspace_id}.")
    confine(principal, workspace_id)
    if found == NO_ROLE:
        raise denied(f"Your role in workspace {workspace_id} is {NO_ROLE}: no access.")
    if doing and found not in WRITE_ROLES:
        raise denied(f"Your role in workspace {workspace_id} is {found}: it cannot {doing}.")
    return workspace_id, found


def require_workspace(store: Store, principal: Principal, workspace_id: str) -> str:
    """The canonical id of a workspace the caller may read, or a 4xx."""
    return workspace_role(store, principal, workspace_id)[0]


def require_workspace_admin(
    store: Store, principal: Principal, workspace_id: str, doing: str
) -> str:
    """The canonical id of a workspace the caller administers, or a 4xx."""
    workspace_id, found = workspace_role(store, principal, workspace_id, doing=doing)
    if found != ADMIN:
        raise denied(f"Only workspace admins can {doing}.")
    return workspace_id


def target_workspace(
    store: Store, principal: Principal, given: m.RimeUUID | None, doing: str
) -> str:
    """The workspace a create call names, else the calling API token's one; the
    caller's role there must be one that writes."""
    target = given.uuid if given else principal.token_workspace
    if not target:
        raise invalid(
            "workspaceId is required when signed in with a session "
            "(an API token defaults to its own workspace)."
        )
    return workspace_role(store, principal, target, doing=doing)[0]


def listed_workspaces(principal: Principal) -> tuple[str | None, str | None]:
    """(the one workspace, the member) a caller's workspace list is limited to;
    None for no limit. Members with ACTOR_ROLE_NONE do not see the workspace."""
    return principal.token_workspace, None if principal.org_admin else principal.user_id


# -- API tokens -------------------------------------------------------------------------


def listed_tokens(
    store: Store, principal: Principal, workspace_id: str | None
) -> tuple[str | None, str | None]:
    """(workspace, owner) a caller's token list is limited to; None for no limit.

    A list is of one workspace when the call or the API token names one. Org admins
    see everyone's tokens, workspace admins those of their workspace, others their own.
    """
    scope = workspace_id or principal.token_workspace
    everyones = principal.org_admin
    if scope:
        scope, found = workspace_role(store, principal, scope)
        everyones = found == ADMIN
    return scope, None if everyones else principal.user_id


def deletable_token(store: Store, principal: Principal, token_id: str) -> str:
    """The canonical id of a token the caller may delete, or a 4xx.

    Anyone may delete their own tokens (whatever their role now); workspace admins
    also those of the workspace's members, but an organization admin's tokens only
    organization admins (a workspace admin sees them, and gets a 403).
    """
    token_id = check_uuid(token_id, "id")
    token = store.token_owner(token_id)
    mine = token is not None and token["user_id"] == principal.user_id
    if token is None or not (mine or role(store, principal, token["workspace_id"]) == ADMIN):
        raise not_found(f"No API token with id {token_id}.")
    confine(principal, token["workspace_id"])
    if not mine and token["org_role"] == ADMIN and not principal.org_admin:
        raise denied(
            "This token belongs to an organization admin; only organization admins can delete it."
        )
    return token_id


# -- projects ---------------------------------------------------------------------------


def visible_project(store: Store, principal: Principal, project_id: str) -> tuple[sqlite3.Row, str]:
    """A project the caller may read and their role in its workspace, or a 4xx."""
    project_id = check_uuid(project_id, "projectId")
    row = store.project_row(project_id)
    found = None if row is None else role(store, principal, row["workspace_id"])
    if row is None or found is None or found == NO_ROLE:
        raise not_found(f"No project with id {project_id}.")
    confine(principal, row["workspace_id"])
    return row, found


def writable_project(
    store: Store, principal: Principal, project_id: str, doing: str
) -> sqlite3.Row:
    """A project the caller may change or delete (a workspace admin, or its owner with
    a role that writes), or a 4xx."""
    row, found = visible_project(store, principal, project_id)
    mine = row["owner_id"] == principal.user_id
    if not (found == ADMIN or (mine and found in WRITE_ROLES)):
        raise denied(
            f"Your role in workspace {row['workspace_id']} is {found}: it cannot {doing} "
            + ("projects." if mine else "other members' projects.")
        )
    return row


def listed_projects(
    store: Store, principal: Principal, workspace_id: str | None
) -> tuple[str | None, str | None]:
    """(workspace, member) a caller's project list is limited to; None for no limit."""
    scope = workspace_id or principal.token_workspace
    if scope:
        return require_workspace(store, principal, scope), None
    return None, None if principal.org_admin else principal.user_id
