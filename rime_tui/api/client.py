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
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from rime_tui.api import exchange as x
from rime_tui.api.exchange import (
    DEFAULT_TIMEOUT,
    Exchange,
    next_page_token,
    normalize_cluster_url,
    tls_context,
)
from rime_tui.api.pool import make_lean
from rime_tui.wire import models as m
from rime_tui.wire.constants import TOKEN_TYPE_USER, USER

__all__ = ["DEFAULT_TIMEOUT", "RimeClient", "every_item", "normalize_cluster_url", "tls_context"]

M = TypeVar("M", bound=BaseModel)
Item = TypeVar("Item")

# One pool per session: connections kept open for the next page (httpx closes idle ones
# after 5 s, so reading a page for longer cost a new connection, and with TLS one or two
# round trips more), and as many as the instance listing runs at once (tokens.py).
KEEP_ALIVE = httpx.Limits(max_connections=100, max_keepalive_connections=64, keepalive_expiry=60.0)


async def every_item(
    list_page: Callable[..., Awaitable[m.Paged[Item]]], /, *args: Any, **kwargs: Any
) -> AsyncIterator[Item]:
    """Every item of a paged list call, page after page.

    *list_page* is one of the client's ``list_*_page`` methods; it is called with
    *args*, *kwargs* and the ``page_token`` of each page in turn.
    """
    token: str | None = ""
    while token is not None:
        page = await list_page(*args, **kwargs, page_token=token)
        for item in page.items:
            yield item
        token = next_page_token(page)


class RimeClient(Exchange):
    """One cluster, one set of credentials (API token or local session), asynchronous."""

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
        """*retries* and *on_retry*: see :class:`rime_tui.api.exchange.Exchange`."""
        super().__init__(
            cluster_url,
            api_token=api_token,
            session_token=session_token,
            retries=retries,
            on_retry=on_retry,
        )
        self._http = httpx.AsyncClient(
            timeout=timeout, transport=transport, limits=KEEP_ALIVE, **self._client_options(verify)
        )
        make_lean(self._http)  # httpcore's pool costs more than a request at 64 connections

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- plumbing ---------------------------------------------------------------

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
        params, content, headers = self._request_parts(params, body, auth, as_token)
        attempt = 0
        while True:
            with self._transport_errors():
                response = await self._http.request(
                    method,
                    x.request_url(self._http.base_url, path, params),
                    content=content,
                    headers=headers,
                )
            wait = self._retrying(method, path, response, attempt)
            if wait is None:
                return response
            attempt += 1
            await asyncio.sleep(wait)

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
        return self._answer(method, path, model, response)

    async def _run(self, call: x.Call[M]) -> M:
        return await self._call(call.method, call.path, call.model, params=call.params)

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
        path = f"/v1/feature-flags/{x.segment(customer_name)}/limits/{quote(limit)}"
        return (await self._call("GET", path, m.GetLimitStatusResponse)).limit_status

    # -- users ---------------------------------------------------------------------

    async def my_roles(self) -> list[m.Role]:
        return (await self._call("GET", "/v1/users/roles", m.RolesResponse)).roles

    async def get_user(self, user_id: str) -> m.UserDetail:
        path = f"/v1/users/{x.segment(user_id)}"
        return (await self._call("GET", path, m.GetUserResponse)).user

    async def list_users_page(
        self, *, page_size: int | None = None, page_token: str = ""
    ) -> m.ListUsersResponse:
        return await self._run(x.users_page(page_size, page_token))

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
        await self._call("DELETE", f"/v1/users/{x.segment(user_id)}", m.Empty)

    # -- workspaces ----------------------------------------------------------------

    async def list_workspaces_page(
        self, *, page_size: int | None = None, page_token: str = ""
    ) -> m.ListWorkspacesResponse:
        params = {"pageSize": page_size, "pageToken": page_token}
        return await self._call("GET", "/v1/workspace", m.ListWorkspacesResponse, params=params)

    def iter_workspaces(self, *, page_size: int | None = None) -> AsyncIterator[m.Workspace]:
        return every_item(self.list_workspaces_page, page_size=page_size)

    async def get_workspace(self, workspace_id: str) -> m.Workspace:
        path = f"/v1/workspace/{x.segment(workspace_id)}"
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
        path = f"/v1/workspace/{x.segment(workspace_id)}/users"
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
        path = f"/v1/workspace/{x.segment(workspace_id)}/users"
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
        return await self._run(x.api_tokens_page(workspace_id, page_size, page_token, token_type))

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
        return await self._call("POST", x.TOKENS_PATH, m.CreateApiTokenResponse, body=body)

    async def delete_api_token(self, token_id: str) -> None:
        path = f"{x.TOKENS_PATH}/{x.segment(token_id)}"
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
        path = f"/v1/projects/{x.segment(project_id)}"
        return (await self._call("GET", path, m.GetProjectResponse)).project

    async def update_project(self, project_id: str, changes: m.ProjectChanges) -> m.Project:
        """Change the fields set in *changes* (they make the request's mask)."""
        fields = changes.model_dump(by_alias=True, exclude_unset=True)
        body = m.UpdateProjectRequest(project=changes, mask=",".join(fields))
        path = f"/v1/projects/{x.segment(project_id)}"
        return (await self._call("PUT", path, m.ProjectResponse, body=body)).project

    async def get_project_url(self, project_id: str) -> str:
        path = f"/v1/projects/{x.segment(project_id)}/url"
        return (await self._call("GET", path, m.ProjectURLResponse)).url.url

    async def get_workspace_roles(self, project_id: str) -> list[m.RolePair]:
        """Which project role each workspace role grants (the project's general access)."""
        path = f"/v1/projects/{x.segment(project_id)}/role/workspace"
        return (await self._call("GET", path, m.WorkspaceRolesResponse)).role_pairs

    async def set_workspace_roles(
        self, project_id: str, role_pairs: list[m.RolePair]
    ) -> list[m.RolePair]:
        body = m.UpdateWorkspaceRolesRequest(role_pairs=role_pairs)
        path = f"/v1/projects/{x.segment(project_id)}/role/workspace"
        return (await self._call("PUT", path, m.WorkspaceRolesResponse, body=body)).role_pairs

    async def delete_project(self, project_id: str) -> None:
        await self._call("DELETE", f"/v1/projects/{x.segment(project_id)}", m.Empty)
