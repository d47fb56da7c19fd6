"""An async, typed client for the RI Platform v1 REST API.

    async with RimeClient("rime.example.io", api_token="rime_...") as client:
        info = await client.rime_info()
        async for token in client.iter_api_tokens(workspace_id):
            ...

It speaks the wire format of a real RI cluster; the local instance
(``rime-tui serve``) serves the same format and additionally offers
email/password sign-in (:meth:`RimeClient.login`).
"""

from __future__ import annotations

import asyncio
import random
import ssl
import sys
import types
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Self, TypeVar
from urllib.parse import quote, urlsplit

if "httpx" not in sys.modules:
    # httpx imports its own command line (click, rich, pygments: ~40 ms) whenever they
    # are installed, as they are beside Textual (encode/httpx#3547); an empty module in
    # its place makes httpx fall back to its stub, which nothing here calls.
    sys.modules.setdefault("httpx._main", types.ModuleType("httpx._main"))
import httpx
from pydantic import BaseModel, ValidationError

from rime_tui import __version__
from rime_tui.address import cluster_url
from rime_tui.api.errors import (
    ApiError,
    ConnectionFailedError,
    ProtocolError,
    RequestTimeoutError,
    TLSError,
    TransportError,
    error_class_for_status,
)
from rime_tui.api.pool import make_lean
from rime_tui.wire import models as m
from rime_tui.wire.constants import (
    API_KEY_HEADER,
    SESSION_HEADER,
    SESSION_SCHEME,
    TOKEN_TYPE_USER,
    USER,
)

M = TypeVar("M", bound=BaseModel)
Item = TypeVar("Item")

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=15.0, pool=5.0)
# One pool per session: connections kept open for the next page (httpx closes idle ones
# after 5 s, so reading a page for longer cost a new connection, and with TLS one or two
# round trips more), and as many as the instance listing runs at once (tokens.py).
KEEP_ALIVE = httpx.Limits(max_connections=100, max_keepalive_connections=64, keepalive_expiry=60.0)

RETRIED_METHODS = frozenset({"GET", "DELETE"})
"""Idempotent calls: sending one again cannot do a thing twice."""
RETRIED_STATUSES = frozenset({429, 503})
"""Answers that say "later": too many requests, service unavailable."""
MAX_RETRY_WAIT = 30.0
"""Seconds: a Retry-After longer than this is not waited for (the error is raised)."""
FIRST_BACKOFF = 0.5
"""Seconds before the first retry when the answer has no Retry-After; doubled each time."""


def tls_context(cluster_url: str) -> ssl.SSLContext | bool:
    """How an https cluster is verified: the OS trust store (a company CA there is
    trusted, as by the browser) through ``truststore`` where it is installed, else
    httpx's default (certifi). A plain-http URL never shakes hands: its context trusts
    nothing (it fails closed) and costs nothing, where certifi's costs ~40 ms to load.
    """
    if not cluster_url.startswith("https://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        import truststore
    except ImportError:
        return True
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def normalize_cluster_url(url: str) -> str:
    """``rime.example.io/`` → ``https://rime.example.io``; ``http://`` is kept. The
    shape is checked by :func:`rime_tui.address.cluster_url` (no httpx: the TUI asks it
    before its first paint), then httpx's own parser."""
    url = cluster_url(url)
    try:
        httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"{url!r} is not a valid URL ({exc}).") from None
    return url


async def every_item(
    list_page: Callable[..., Awaitable[m.Paged[Item]]], /, *args: Any, **kwargs: Any
) -> AsyncIterator[Item]:
    """Every item of a paged list call, page after page.

    *list_page* is one of the client's ``list_*_page`` methods; it is called with
    *args*, *kwargs* and the ``page_token`` of each page in turn.
    """
    token = ""
    while True:
        page = await list_page(*args, **kwargs, page_token=token)
        for item in page.items:
            yield item
        token = page.next_page_token
        if not page.has_more or not token:
            return


def _segment(value: str) -> str:
    # Path segments are quoted so that no id can change the path it is put in.
    return quote(value, safe="")


class RimeClient:
    """One cluster, one set of credentials (API token or local session)."""

    def __init__(
        self,
        cluster_url: str,
        *,
        api_token: str | None = None,
        session_token: str | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: bool | ssl.SSLContext = True,
        retries: int = 0,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        """*retries*: how many times a GET or DELETE answered 429 or 503 is sent again,
        after the answer's Retry-After (up to :data:`MAX_RETRY_WAIT`), else after a
        backoff from :data:`FIRST_BACKOFF`, doubled each time; *on_retry* hears why."""
        self.cluster_url = normalize_cluster_url(cluster_url)
        self.api_token = api_token
        self.session_token = session_token
        self.retries = retries
        self.on_retry = on_retry
        self._http = httpx.AsyncClient(
            base_url=self.cluster_url,
            timeout=timeout,
            transport=transport,
            verify=tls_context(self.cluster_url) if verify is True else verify,
            limits=KEEP_ALIVE,
            headers={"user-agent": f"rime-tui/{__version__}", "accept": "application/json"},
        )
        make_lean(self._http)  # httpcore's pool costs more than a request at 64 connections

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def host(self) -> str:
        return urlsplit(self.cluster_url).netloc

    # -- plumbing ---------------------------------------------------------------

    def _auth_headers(self) -> dict[str, str]:
        if self.api_token:
            return {API_KEY_HEADER: self.api_token}
        if self.session_token:
            return {SESSION_HEADER: f"{SESSION_SCHEME} {self.session_token}"}
        return {}

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: BaseModel | None = None,
        auth: bool = True,
        as_token: str | None = None,
    ) -> httpx.Response:
        if as_token is not None:  # another credential, over this client's own connection
            headers = {API_KEY_HEADER: as_token}
        else:
            headers = self._auth_headers() if auth else {}
        content = None
        if body is not None:
            content = body.model_dump_json(by_alias=True, exclude_none=True)
            headers["content-type"] = "application/json"
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        attempt = 0
        while True:
            response = await self._request(method, path, clean, content, headers)
            wait = self._retry_wait(method, response, attempt)
            if wait is None:
                return response
            attempt += 1
            if self.on_retry is not None:
                self.on_retry(
                    f"{self.host} answered {response.status_code} to {method} {path}; "
                    f"trying again in {wait:.1f} s ({attempt} of {self.retries})"
                )
            await asyncio.sleep(wait)

    def _retry_wait(self, method: str, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before sending the request again; None to take *response*."""
        if (
            attempt >= self.retries
            or method not in RETRIED_METHODS
            or response.status_code not in RETRIED_STATUSES
        ):
            return None
        after = _retry_after(response)
        if after is None:
            return FIRST_BACKOFF * 2.0**attempt * random.uniform(0.8, 1.2)  # noqa: S311 (jitter)
        return after if after <= MAX_RETRY_WAIT else None

    async def _request(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        content: str | None,
        headers: dict[str, str],
    ) -> httpx.Response:
        try:
            return await self._http.request(
                method, path, params=params, content=content, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise RequestTimeoutError(
                f"{self.host} did not answer in time ({type(exc).__name__})."
            ) from exc
        except httpx.ConnectError as exc:
            if _is_tls_failure(exc):
                raise TLSError(f"TLS handshake with {self.host} failed: {_root(exc)}") from exc
            raise ConnectionFailedError(f"Could not connect to {self.host}: {_root(exc)}") from exc
        except httpx.TransportError as exc:
            raise TransportError(f"Connection to {self.host} failed: {_root(exc)}") from exc

    async def _call(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        params: dict[str, Any] | None = None,
        body: BaseModel | None = None,
        auth: bool = True,
        as_token: str | None = None,
    ) -> M:
        response = await self._send(
            method, path, params=params, body=body, auth=auth, as_token=as_token
        )
        if not response.is_success:  # a 3xx too: redirects are not followed, nor are they OK
            raise self._error(response)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            what = "is not JSON" if _is_json_error(exc) else "does not have the expected shape"
            raise ProtocolError(
                f"The answer from {self.host} to {method} {path} {what}; "
                "is this an RI Platform cluster?"
            ) from exc

    def _error(self, response: httpx.Response) -> ApiError | ProtocolError:
        status = response.status_code
        retry_after = _retry_after(response)
        try:
            body = m.ErrorBody.model_validate_json(response.content)
        except ValidationError:
            body = None
        cls = error_class_for_status(status)
        if body is not None:
            return cls(
                body.message,
                status_code=status,
                code=body.code,
                details=body.details,
                retry_after=retry_after,
            )
        reason = f"{status} {response.reason_phrase}".strip()
        if status in (404, 405) or 300 <= status < 400:
            return ProtocolError(
                f"{self.host} answered {reason} to {response.request.url.path}; "
                "it does not look like an RI Platform cluster."
            )
        return cls(
            f"{self.host} answered {reason} without an RI error body.",
            status_code=status,
            retry_after=retry_after,
        )

    # -- local instance only ------------------------------------------------------

    async def login(self, email: str, password: str) -> m.LoginResponse:
        """Sign in with email and password; later calls use the session."""
        answer = await self._call(
            "POST",
            "/v1/auth/login",
            m.LoginResponse,
            body=m.LoginRequest(email=email, password=password),
            auth=False,
        )
        self.api_token = None
        self.session_token = answer.session_token
        return answer

    async def logout(self) -> None:
        await self._call("POST", "/v1/auth/logout", m.Empty)
        self.session_token = None

    # -- cluster -------------------------------------------------------------------

    async def rime_info(self) -> m.RimeInfo:
        return await self._call("GET", "/v1/rime-info", m.RimeInfo)

    async def check_api_token(self, api_token: str) -> None:
        """Prove that *api_token* works here (a RimeError when it does not). It goes over
        this client's own transport: to a local instance, its private line, never the
        TCP port another user could hold."""
        await self._call("GET", "/v1/rime-info", m.RimeInfo, as_token=api_token)

    async def license_limit(self, customer_name: str, limit: str) -> m.LimitStatus:
        path = f"/v1/feature-flags/{_segment(customer_name)}/limits/{quote(limit)}"
        return (await self._call("GET", path, m.GetLimitStatusResponse)).limit_status

    # -- users ---------------------------------------------------------------------

    async def my_roles(self) -> list[m.Role]:
        return (await self._call("GET", "/v1/users/roles", m.RolesResponse)).roles

    async def get_user(self, user_id: str) -> m.UserDetail:
        path = f"/v1/users/{_segment(user_id)}"
        return (await self._call("GET", path, m.GetUserResponse)).user

    async def list_users_page(
        self, *, page_size: int | None = None, page_token: str = ""
    ) -> m.ListUsersResponse:
        params = {"pageSize": page_size, "pageToken": page_token}
        return await self._call("GET", "/v1/users", m.ListUsersResponse, params=params)

    def iter_users(self, *, page_size: int | None = None) -> AsyncIterator[m.UserDetail]:
        return every_item(self.list_users_page, page_size=page_size)

    async def create_user(
        self,
        email: str,
        password: str,
        *,
        full_name: str = "",
        org_role: str = USER,
    ) -> str:
        body = m.CreateUserRequest(
            email=email, password=password, full_name=full_name, org_role=org_role
        )
        answer = await self._call("POST", "/v1/users", m.CreateUserResponse, body=body)
        return answer.user_id.uuid

    async def delete_user(self, user_id: str) -> None:
        """Remove a user (an org admin signed in with the password): their sessions and
        tokens stop at once."""
        await self._call("DELETE", f"/v1/users/{_segment(user_id)}", m.Empty)

    # -- workspaces ----------------------------------------------------------------

    async def list_workspaces_page(
        self, *, page_size: int | None = None, page_token: str = ""
    ) -> m.ListWorkspacesResponse:
        params = {"pageSize": page_size, "pageToken": page_token}
        return await self._call("GET", "/v1/workspace", m.ListWorkspacesResponse, params=params)

    def iter_workspaces(self, *, page_size: int | None = None) -> AsyncIterator[m.Workspace]:
        return every_item(self.list_workspaces_page, page_size=page_size)

    async def get_workspace(self, workspace_id: str) -> m.Workspace:
        path = f"/v1/workspace/{_segment(workspace_id)}"
        return (await self._call("GET", path, m.GetWorkspaceResponse)).workspace

    async def create_workspace(
        self,
        name: str,
        *,
        description: str = "",
        results_retention_in_days: int | None = None,
    ) -> str:
        body = m.CreateWorkspaceRequest(
            name=name,
            description=description,
            results_retention_in_days=results_retention_in_days,
        )
        answer = await self._call("POST", "/v1/workspace", m.CreateWorkspaceResponse, body=body)
        return answer.workspace_id.uuid

    async def list_workspace_members_page(
        self, workspace_id: str, *, page_size: int | None = None, page_token: str = ""
    ) -> m.ListWorkspaceMembersResponse:
        path = f"/v1/workspace/{_segment(workspace_id)}/users"
        params = {"pageSize": page_size, "pageToken": page_token}
        return await self._call("GET", path, m.ListWorkspaceMembersResponse, params=params)

    def iter_workspace_members(
        self, workspace_id: str, *, page_size: int | None = None
    ) -> AsyncIterator[m.WorkspaceMember]:
        return every_item(self.list_workspace_members_page, workspace_id, page_size=page_size)

    async def add_workspace_members(self, workspace_id: str, members: dict[str, str]) -> None:
        """Add or update members: ``{user_id: "ACTOR_ROLE_USER", ...}``."""
        body = m.AddMembersRequest(
            users=[
                m.MemberSpec(user_id=m.RimeUUID(uuid=uid), user_role=role)
                for uid, role in members.items()
            ]
        )
        path = f"/v1/workspace/{_segment(workspace_id)}/users"
        await self._call("POST", path, m.Empty, body=body)

    # -- API tokens ----------------------------------------------------------------

    async def list_api_tokens_page(
        self,
        workspace_id: str | None = None,
        *,
        page_size: int | None = None,
        page_token: str = "",
        token_type: str | None = None,
    ) -> m.ListApiTokensResponse:
        params = {
            "workspaceId.uuid": workspace_id,
            "pageSize": page_size,
            "pageToken": page_token,
            "firstPageQuery.tokenType": token_type,
        }
        return await self._call(
            "GET", "/v1/users/api-tokens", m.ListApiTokensResponse, params=params
        )

    def iter_api_tokens(
        self,
        workspace_id: str | None = None,
        *,
        page_size: int | None = None,
        token_type: str | None = None,
    ) -> AsyncIterator[m.ApiTokenInfo]:
        return every_item(
            self.list_api_tokens_page, workspace_id, page_size=page_size, token_type=token_type
        )

    async def create_api_token(
        self, name: str, workspace_id: str | None = None, *, expiry_days: int | None = None
    ) -> m.CreateApiTokenResponse:
        """Create a user token; the answer holds the secret, shown this once.

        Without *workspace_id* the token is for the calling API token's workspace.
        """
        body = m.CreateApiTokenRequest(
            name=name,
            workspace_id=m.RimeUUID(uuid=workspace_id) if workspace_id else None,
            token_type=TOKEN_TYPE_USER,
            expiry_days=expiry_days,
        )
        return await self._call("POST", "/v1/users/api-tokens", m.CreateApiTokenResponse, body=body)

    async def delete_api_token(self, token_id: str) -> None:
        path = f"/v1/users/api-tokens/{_segment(token_id)}"
        await self._call("DELETE", path, m.Empty)

    # -- projects ------------------------------------------------------------------

    async def create_project(
        self,
        name: str,
        *,
        description: str = "",
        workspace_id: str | None = None,
        model_task: str | None = None,
        use_case: str | None = None,
        tags: list[str] | None = None,
    ) -> m.Project:
        body = m.CreateProjectRequest(
            name=name,
            description=description,
            workspace_id=m.RimeUUID(uuid=workspace_id) if workspace_id else None,
            model_task=model_task,
            use_case=use_case,
            tags=tags,
        )
        return (await self._call("POST", "/v1/projects", m.ProjectResponse, body=body)).project

    async def list_projects_page(
        self, workspace_id: str | None = None, *, page_size: int | None = None, page_token: str = ""
    ) -> m.ListProjectsResponse:
        params = {"workspaceId.uuid": workspace_id, "pageSize": page_size, "pageToken": page_token}
        return await self._call("GET", "/v1/projects", m.ListProjectsResponse, params=params)

    def iter_projects(
        self, workspace_id: str | None = None, *, page_size: int | None = None
    ) -> AsyncIterator[m.ProjectInfo]:
        return every_item(self.list_projects_page, workspace_id, page_size=page_size)

    async def get_project(self, project_id: str) -> m.ProjectInfo:
        """The project with its owner and last update (``answer.project.project``)."""
        path = f"/v1/projects/{_segment(project_id)}"
        return (await self._call("GET", path, m.GetProjectResponse)).project

    async def update_project(self, project_id: str, changes: m.ProjectChanges) -> m.Project:
        """Change the fields set in *changes* (they make the request's mask)."""
        fields = changes.model_dump(by_alias=True, exclude_unset=True)
        body = m.UpdateProjectRequest(project=changes, mask=",".join(fields))
        path = f"/v1/projects/{_segment(project_id)}"
        return (await self._call("PUT", path, m.ProjectResponse, body=body)).project

    async def get_project_url(self, project_id: str) -> str:
        path = f"/v1/projects/{_segment(project_id)}/url"
        return (await self._call("GET", path, m.ProjectURLResponse)).url.url

    async def get_workspace_roles(self, project_id: str) -> list[m.RolePair]:
        """Which project role each workspace role grants (the project's general access)."""
        path = f"/v1/projects/{_segment(project_id)}/role/workspace"
        return (await self._call("GET", path, m.WorkspaceRolesResponse)).role_pairs

    async def set_workspace_roles(
        self, project_id: str, role_pairs: list[m.RolePair]
    ) -> list[m.RolePair]:
        body = m.UpdateWorkspaceRolesRequest(role_pairs=role_pairs)
        path = f"/v1/projects/{_segment(project_id)}/role/workspace"
        return (await self._call("PUT", path, m.WorkspaceRolesResponse, body=body)).role_pairs

    async def delete_project(self, project_id: str) -> None:
        await self._call("DELETE", f"/v1/projects/{_segment(project_id)}", m.Empty)


def _root(exc: BaseException) -> str:
    """The innermost cause's message, which names the real problem."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = str(exc) or type(exc).__name__
    return text.removeprefix("[Errno 111] ").strip()


def _is_tls_failure(exc: BaseException) -> bool:
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, ssl.SSLError):
            return True
        current = current.__cause__ or current.__context__
    return "SSL" in str(exc) or "CERTIFICATE" in str(exc).upper()


def _is_json_error(exc: ValidationError) -> bool:
    return any(err.get("type") == "json_invalid" for err in exc.errors())


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
