"""Checks of what callers send: each refusal is a 400 that names the field.

These need no data: whether a name is free or a caller may act is for the
store and :mod:`rime_tui.server.rules`.
"""

from __future__ import annotations

import re
import unicodedata
import uuid

from rime_tui.server.errors import invalid
from rime_tui.wire import models as m
from rime_tui.wire.constants import (
    ACTOR_ROLES,
    MAX_EXPIRY_DAYS,
    MAX_NAME_LENGTH,
    MODEL_TASKS,
    TEST_CATEGORIES,
    TOKEN_TYPE_USER,
    TOKEN_TYPES,
)
from rime_tui.wire.text import refused_at

MAX_EMAIL_LENGTH = 254
MAX_TEXT_LENGTH = 2000  # descriptions, use cases, ethical considerations
MAX_TAGS = 50
MAX_TAG_LENGTH = 100
MAX_RETENTION_DAYS = 3650
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
# PUT /v1/projects/{id}: the mask paths the local instance updates (the wire names of
# m.ProjectChanges), and their fields.
PROJECT_UPDATES = {str(info.alias): field for field, info in m.ProjectChanges.model_fields.items()}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def check_uuid(value: str, what: str) -> str:
    """The canonical form of a UUID given by a caller, or a 400."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise invalid(f"{what} {value[:80]!r} is not a valid UUID.") from None


def check_text(value: str, what: str, *, multiline: bool = False) -> str:
    """*value*, or a 400 naming *what* when it holds a character that hides or
    reorders text on a screen (:func:`rime_tui.wire.text.refused_at`)."""
    at = refused_at(value, allowed="\n\t" if multiline else "")
    if at is not None:
        raise invalid(
            f"{what} must not contain control characters (such as newlines or tabs), "
            f"bidirectional controls or invisible characters; it has U+{ord(value[at]):04X} "
            f"at position {at + 1}."
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


def check_description(value: str, what: str) -> str:
    """A free text of at most MAX_TEXT_LENGTH characters; line breaks and tabs allowed."""
    if len(value) > MAX_TEXT_LENGTH:
        raise invalid(f"The {what} must be at most {MAX_TEXT_LENGTH} characters long.")
    return check_text(value, what, multiline=True)


# -- users ----------------------------------------------------------------------------


def check_new_user(req: m.CreateUserRequest) -> str:
    """The new user's email, normalised, once the request is checked."""
    check_text(req.email, "email")
    email = normalize_email(req.email)
    if not _EMAIL.match(email) or len(email) > MAX_EMAIL_LENGTH:
        raise invalid(f"{req.email[:80]!r} is not an email address.")
    if len(req.password) < MIN_PASSWORD_LENGTH:
        raise invalid(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(req.password) > MAX_PASSWORD_LENGTH:
        raise invalid(f"The password must be at most {MAX_PASSWORD_LENGTH} characters long.")
    if req.org_role not in ACTOR_ROLES:
        raise invalid(f"orgRole {req.org_role[:80]!r} is not an ActorRole.")
    check_text(req.full_name, "fullName")
    return email


def check_member(spec: m.MemberSpec) -> tuple[str, str]:
    """(user id, role) of one member to add."""
    user_id = check_uuid(spec.user_id.uuid, "userId")
    if spec.user_role not in ACTOR_ROLES:
        raise invalid(f"userRole {spec.user_role[:80]!r} is not an ActorRole.")
    return user_id, spec.user_role


# -- workspaces -------------------------------------------------------------------------


def check_new_workspace(req: m.CreateWorkspaceRequest) -> str:
    """The new workspace's name."""
    name = clean_name(req.name, "The workspace name")
    days = req.results_retention_in_days
    if days is not None and not 0 <= days <= MAX_RETENTION_DAYS:
        raise invalid(f"resultsRetentionInDays must be between 0 and {MAX_RETENTION_DAYS}.")
    check_description(req.description, "description")
    return name


# -- API tokens -------------------------------------------------------------------------


def check_new_token(req: m.CreateApiTokenRequest) -> tuple[str, int]:
    """(name, lifetime in days) of a token to create."""
    if req.token_type != TOKEN_TYPE_USER:
        raise invalid(
            f"Only {TOKEN_TYPE_USER} tokens can be created here, not {req.token_type[:80]!r}."
        )
    name = clean_name(req.name, "The token name")
    days = MAX_EXPIRY_DAYS if req.expiry_days is None else req.expiry_days
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        raise invalid(f"expiryDays must be between 1 and {MAX_EXPIRY_DAYS}, not {days}.")
    return name, days


def check_token_type(token_type: str) -> str:
    if token_type not in TOKEN_TYPES:
        raise invalid(f"firstPageQuery.tokenType {token_type[:80]!r} is not a TokenType.")
    return token_type


# -- projects ---------------------------------------------------------------------------


def check_tags(tags: list[str]) -> list[str]:
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_LENGTH for t in tags):
        raise invalid(f"At most {MAX_TAGS} tags of at most {MAX_TAG_LENGTH} characters each.")
    for tag in tags:
        check_text(tag, "tags")
    return tags


def check_categories(values: list[str], what: str) -> list[str]:
    for value in values:
        if value not in TEST_CATEGORIES:
            raise invalid(f"{what} {value[:80]!r} is not a TestCategoryType.")
    return values


def check_new_project(req: m.CreateProjectRequest) -> tuple[str, str, list[str]]:
    """(name, model task, tags) of a project to create."""
    name = clean_name(req.name, "The project name")
    check_description(req.description, "description")
    check_description(req.use_case or "", "use case")
    check_description(req.ethical_consideration or "", "ethical consideration")
    tags = check_tags(req.tags or [])
    model_task = req.model_task or "MODEL_TASK_UNSPECIFIED"
    if model_task not in MODEL_TASKS:
        raise invalid(f"modelTask {model_task[:80]!r} is not a ModelTask.")
    return name, model_task, tags


def check_mask(mask: str) -> list[str]:
    """The fields a FieldMask (comma-separated wire names) names, as model fields."""
    paths = [path.strip() for path in mask.split(",") if path.strip()]
    if not paths:
        raise invalid('mask must name the fields to update, e.g. "name,description".')
    for path in paths:
        if path not in PROJECT_UPDATES:
            raise invalid(
                f"The local instance cannot update {path[:80]!r}; "
                f"it updates {', '.join(PROJECT_UPDATES)}."
            )
    return paths


def check_project_changes(changes: m.ProjectChanges, paths: list[str]) -> dict[str, object]:
    """{field: new value} of the fields *paths* (from :func:`check_mask`) name."""
    checked: dict[str, object] = {}
    for path in paths:
        field = PROJECT_UPDATES[path]
        value = getattr(changes, field)
        if field == "name":
            checked[field] = clean_name(value or "", "The project name")
        elif field == "tags":
            checked[field] = check_tags(value or [])
        elif field.endswith("_categories"):
            checked[field] = check_categories(value or [], path)
        else:
            checked[field] = check_description(value or "", path)
    return checked


def check_role_pairs(pairs: list[m.RolePair]) -> list[m.RolePair]:
    parents = [pair.parent_role for pair in pairs]
    for role in (*parents, *(pair.subject_role for pair in pairs)):
        if role not in ACTOR_ROLES:
            raise invalid(f"rolePairs: {role[:80]!r} is not an ActorRole.")
    if len(set(parents)) != len(parents):
        raise invalid("rolePairs names a parentRole more than once.")
    return pairs
