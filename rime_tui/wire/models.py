"""Pydantic models of the RI Platform v1 REST wire format.

Field names are snake_case in Python and lowerCamelCase on the wire.  Unknown
fields are ignored (real clusters send many more than these), enums are kept as
plain strings so that values this version does not know still parse, and
timestamps are RFC 3339 in UTC.  The local instance serialises its answers with
these same models, so client and server cannot drift apart.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

from rime_tui.wire.constants import ADMIN, TOKEN_TYPE_USER, USER

Item = TypeVar("Item")
_FRACTION = re.compile(r"(\.\d{6})\d+")


def format_timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, e.g. ``2026-11-28T01:02:03.456Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elif value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # "YYYY-MM-DDTHH:MM:SS.mmm+00:00" -> "YYYY-MM-DDTHH:MM:SS.mmmZ"
    return value.isoformat(timespec="milliseconds")[:23] + "Z"


def _parse_timestamp(value: Any) -> Any:
    # Real clusters send nanoseconds; Python keeps microseconds.
    if isinstance(value, str):
        return _FRACTION.sub(r"\1", value)
    return value


Timestamp = Annotated[
    datetime,
    BeforeValidator(_parse_timestamp),
    PlainSerializer(format_timestamp, return_type=str, when_used="json"),
]


class WireModel(BaseModel):
    """Base of every wire model: camelCase aliases, unknown fields ignored.

    Each model is built when first used (``defer_build``): a one-shot command uses
    a few of them. The local instance builds them all at start (:func:`build_all`)."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        serialize_by_alias=True,
        defer_build=True,
    )


class RimeUUID(WireModel):
    """An id on the wire: ``{"uuid": "..."}``."""

    uuid: str


# -- responses -----------------------------------------------------------------


class RimeInfo(WireModel):
    """``GET /v1/rime-info``."""

    cluster_info_version: str = ""
    customer_name: str = ""
    expiration_time: Timestamp | None = None
    grace_period_end_time: Timestamp | None = None
    ri_plan: str = "RI_PLAN_UNSPECIFIED"
    build_version: str = ""


class LimitStatus(WireModel):
    """One license limit and how close the instance is to it."""

    limit: str = "LICENSE_LIMIT_UNSPECIFIED"
    limit_status: str = "STATUS_UNSPECIFIED"
    limit_value: str = "0"
    current_value: str = "0"


class GetLimitStatusResponse(WireModel):
    limit_status: LimitStatus


class Role(WireModel):
    """One of the caller's roles (``GET /v1/users/roles``)."""

    subject_type: str = "SUBJECT_TYPE_UNSPECIFIED"
    subject_id: str = ""
    role: str = "ACTOR_ROLE_UNSPECIFIED"
    implicit_grant: bool = False


class RolesResponse(WireModel):
    roles: list[Role] = Field(default_factory=list)


def org_admin_among(roles: list[Role]) -> bool:
    """Whether the caller's *roles* make them an organization admin."""
    return any(r.subject_type == "SUBJECT_TYPE_ORGANIZATION" and r.role == ADMIN for r in roles)


class UserDetail(WireModel):
    """A user account."""

    id: RimeUUID
    name: str = ""
    email: str = ""
    full_name: str = ""
    org_role: str = "ACTOR_ROLE_UNSPECIFIED"
    role: str = "ROLE_UNSPECIFIED"
    show_tutorial: bool = False

    @property
    def display_name(self) -> str:
        return self.full_name or self.name or self.email or self.id.uuid

    @property
    def is_org_admin(self) -> bool:
        return self.org_role == ADMIN


class GetUserResponse(WireModel):
    user: UserDetail


class Paged(Protocol[Item]):
    """What a page of a list answer offers: its items and where the next page starts.
    (A protocol, not a generic model: parametrizing a pydantic model builds it at
    import, which cost every command a few milliseconds.)"""

    next_page_token: str
    has_more: bool

    @property
    def items(self) -> list[Item]: ...


class Page(WireModel):
    """The paging fields every list answer shares; each list answer's ``items`` are
    its page's items."""

    next_page_token: str = ""
    has_more: bool = False


class ListUsersResponse(Page):
    users: list[UserDetail] = Field(default_factory=list)

    @property
    def items(self) -> list[UserDetail]:
        return self.users


class CreateUserResponse(WireModel):
    user_id: RimeUUID


class Workspace(WireModel):
    """A workspace."""

    workspace_id: RimeUUID
    name: str = ""
    description: str = ""
    agent_ids: list[RimeUUID] = Field(default_factory=list)
    default_agent_id: RimeUUID | None = None
    results_retention_in_days: int = 0


class ListWorkspacesResponse(Page):
    workspaces: list[Workspace] = Field(default_factory=list)

    @property
    def items(self) -> list[Workspace]:
        return self.workspaces


class GetWorkspaceResponse(WireModel):
    workspace: Workspace


class CreateWorkspaceResponse(WireModel):
    workspace_id: RimeUUID


class WorkspaceMember(WireModel):
    """A member of a workspace and their role in it."""

    user_detail: UserDetail
    user_role: str = "ACTOR_ROLE_UNSPECIFIED"
    implicit_grant: bool = False


class ListWorkspaceMembersResponse(Page):
    workspace_id: RimeUUID | None = None
    users: list[WorkspaceMember] = Field(default_factory=list)

    @property
    def items(self) -> list[WorkspaceMember]:
        return self.users


class ApiTokenInfo(WireModel):
    """An API access token, without its secret."""

    id: RimeUUID
    name: str = ""
    suffix: str = ""
    creation_time: Timestamp | None = None
    expiration_time: Timestamp | None = None
    workspace_id: RimeUUID | None = None
    user_id: str = ""
    token_type: str = "TOKEN_TYPE_UNSPECIFIED"


class ListApiTokensResponse(Page):
    api_token_infos: list[ApiTokenInfo] = Field(default_factory=list)

    @property
    def items(self) -> list[ApiTokenInfo]:
        return self.api_token_infos


class CreateApiTokenResponse(WireModel):
    """The new token's id and its secret, which is shown this once."""

    id: RimeUUID
    full_api_token: str


class Project(WireModel):
    """A project."""

    id: RimeUUID
    name: str = ""
    description: str = ""
    use_case: str = ""
    ethical_consideration: str = ""
    workspace_id: RimeUUID | None = None
    owner_id: RimeUUID | None = None
    creation_time: Timestamp | None = None
    model_task: str = "MODEL_TASK_UNSPECIFIED"
    tags: list[str] = Field(default_factory=list)
    stress_test_categories: list[str] = Field(default_factory=list)
    continuous_test_categories: list[str] = Field(default_factory=list)


class ProjectResponse(WireModel):
    """Create and update project answer ``{"project": Project}``."""

    project: Project


class ProjectOwnerDetails(WireModel):
    """Who owns a project: a name and an email, not a full user."""

    name: str = ""
    email: str = ""


class ProjectInfo(WireModel):
    """A project with its owner and last update (lists and ``GET /v1/projects/{id}``)."""

    project: Project
    owner_details: ProjectOwnerDetails | None = None
    last_updated_time: Timestamp | None = None


class GetProjectResponse(WireModel):
    """``GET /v1/projects/{id}`` answers ``{"project": {"project": Project, ...}}``."""

    project: ProjectInfo


class ListProjectsResponse(Page):
    projects: list[ProjectInfo] = Field(default_factory=list)

    @property
    def items(self) -> list[ProjectInfo]:
        return self.projects


class RolePair(WireModel):
    """A workspace role (parent) and the project role it grants (subject)."""

    parent_role: str = "ACTOR_ROLE_UNSPECIFIED"
    subject_role: str = "ACTOR_ROLE_UNSPECIFIED"


class WorkspaceRolesResponse(WireModel):
    """``GET``/``PUT /v1/projects/{id}/role/workspace``: the project's general access."""

    project_id: RimeUUID | None = None
    role_pairs: list[RolePair] = Field(default_factory=list)


class SafeURL(WireModel):
    url: str = ""


class ProjectURLResponse(WireModel):
    """``GET /v1/projects/{id}/url``: the project's web address, without a scheme."""

    url: SafeURL


class LoginResponse(WireModel):
    """``POST /v1/auth/login`` (local instance only)."""

    session_token: str
    expiration_time: Timestamp
    user: UserDetail


class Empty(WireModel):
    """``{}``."""


class ErrorBody(WireModel):
    """The body of every non-2xx answer."""

    code: int
    message: str
    details: list[Any] = Field(default_factory=list)


# -- requests ------------------------------------------------------------------


class LoginRequest(WireModel):
    email: str
    password: str


class CreateUserRequest(WireModel):
    email: str
    password: str
    full_name: str = ""
    org_role: str = USER


class CreateWorkspaceRequest(WireModel):
    name: str
    description: str = ""
    results_retention_in_days: int | None = None


class MemberSpec(WireModel):
    user_id: RimeUUID
    user_role: str = USER


class AddMembersRequest(WireModel):
    users: list[MemberSpec]


class CreateApiTokenRequest(WireModel):
    name: str
    workspace_id: RimeUUID | None = None  # the calling API token's workspace when absent
    token_type: str = TOKEN_TYPE_USER
    expiry_days: int | None = None


class CreateProjectRequest(WireModel):
    name: str
    description: str = ""
    workspace_id: RimeUUID | None = None
    model_task: str | None = None
    use_case: str | None = None
    ethical_consideration: str | None = None
    tags: list[str] | None = None


class ProjectChanges(WireModel):
    """The fields ``PUT /v1/projects/{id}`` may change; the mask names which."""

    name: str | None = None
    description: str | None = None
    use_case: str | None = None
    ethical_consideration: str | None = None
    tags: list[str] | None = None
    stress_test_categories: list[str] | None = None
    continuous_test_categories: list[str] | None = None


class UpdateProjectRequest(WireModel):
    """``PUT /v1/projects/{id}``: ``mask`` is a FieldMask, e.g. ``"name,description"``."""

    project: ProjectChanges
    mask: str


class UpdateWorkspaceRolesRequest(WireModel):
    role_pairs: list[RolePair]


def build_all() -> None:
    """Build every wire model now, and no longer defer: the local instance serves all of
    them, and FastAPI's adapters for its request bodies must build at once (a deferred
    one warns ``UnsupportedFieldAttributeWarning`` for the parameter's alias)."""
    pending: list[type[WireModel]] = [WireModel]
    while pending:
        model = pending.pop()
        model.model_config["defer_build"] = False
        model.model_rebuild()
        pending.extend(model.__subclasses__())
