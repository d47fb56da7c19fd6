"""The local instance's HTTP API: the RI Platform v1 wire format, served by FastAPI.

Handlers are ``async`` and call the :class:`~rime_tui.server.store.Store` on the
event-loop thread, so store methods never interleave; only password hashing,
which is deliberately slow, runs in a worker thread.
"""

import logging
from collections import defaultdict, deque
from datetime import timedelta
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rime_tui import __version__
from rime_tui.api import models as m
from rime_tui.server import security
from rime_tui.server.errors import Code, ServiceError, invalid, unauthenticated
from rime_tui.server.store import Clock, Principal, Store

log = logging.getLogger("rime_tui.server")

MAX_BODY_BYTES = 64 * 1024
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_MAX_FAILURES = 5
INSTANCE_HEADER = "rime-instance-id"

_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": m.ErrorBody, "description": text}
    for status, text in {
        400: "Invalid argument",
        401: "Missing, unknown or expired credentials",
        403: "Permission denied",
        404: "Not found",
        409: "Already exists",
        413: "Request body too large",
        429: "Limit reached or too many attempts",
    }.items()
}


def error_response(
    status: int, code: Code, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"code": int(code), "message": message, "details": []}, status_code=status, headers=headers
    )


class BodyLimit:
    """Pure ASGI middleware: bodies over *limit* bytes get a 413 before any handler runs."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_large = error_response(
            413,
            Code.RESOURCE_EXHAUSTED,
            f"The request body is larger than {self.limit // 1024} KiB.",
        )
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.limit:
                    await too_large(scope, receive, send)
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body:
            scope = _as_json(scope)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _as_json(scope: Scope) -> Scope:
    """Read any body as JSON, as the RI gateway does (curl -d sends a form type)."""
    headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
    for name, value in scope["headers"]:
        if name == b"content-type" and b"json" in value.lower():
            return scope
    headers.append((b"content-type", b"application/json"))
    return {**scope, "headers": headers}


class LoginThrottle:
    """At most five failed sign-ins per email in a sliding 15-minute window."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.failures: defaultdict[str, deque[Any]] = defaultdict(deque)

    def _recent(self, email: str) -> deque[Any]:
        window = self.failures[email]
        cutoff = self.clock() - LOGIN_WINDOW
        while window and window[0] <= cutoff:
            window.popleft()
        if not window:
            del self.failures[email]
        return window

    def check(self, email: str) -> None:
        window = self._recent(email)
        if len(window) >= LOGIN_MAX_FAILURES:
            wait = window[0] + LOGIN_WINDOW - self.clock()
            seconds = max(1, int(wait.total_seconds() + 0.999))
            raise ServiceError(
                Code.RESOURCE_EXHAUSTED,
                f"Too many failed sign-ins for {email}; try again in {seconds} seconds.",
                headers={"Retry-After": str(seconds)},
            )

    def begin(self, email: str) -> Any:
        """Check that *email* may try, and count this attempt as failed until it succeeds.

        Counting up front keeps the limit under concurrent attempts: a check alone
        would let every attempt in flight through before the first (slow) password
        verification had failed.
        """
        self.check(email)
        stamp = self.clock()
        self.failures[email].append(stamp)
        return stamp

    def succeeded(self, email: str, stamp: Any) -> None:
        window = self.failures.get(email)
        if window is not None and stamp in window:
            window.remove(stamp)
            if not window:
                del self.failures[email]


def _validation_message(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return "The request body is not valid JSON."
    parts = []
    for error in errors[:3]:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        where = ".".join(loc) or "the request body"
        parts.append(f"{where}: {error.get('msg', 'is invalid')}")
    return "Invalid request: " + "; ".join(parts) + "."


def _allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route serves on the path of *scope*.

    Starlette's own 405 names only the methods of the first route whose path
    matched, but each method of a path is a route of its own here.
    """
    methods: set[str] = set()
    for route in app.router.routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches({**scope, "method": next(iter(route.methods))})
            if match == Match.FULL:
                methods |= route.methods
    return sorted(methods)


def create_app(store: Store, *, instance_id: str = "") -> FastAPI:
    """The FastAPI application serving *store*."""
    app = FastAPI(
        title="rime-tui local instance",
        version=__version__,
        description="An RI Platform-compatible instance for API access tokens.",
        responses=_ERROR_RESPONSES,
    )
    app.add_middleware(BodyLimit)
    throttle = LoginThrottle(store.clock)

    @app.exception_handler(ServiceError)
    async def _service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, Code.INVALID_ARGUMENT, _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return error_response(
                404, Code.NOT_FOUND, f"No such endpoint: {request.method} {request.url.path}."
            )
        if exc.status_code == 405:
            headers = dict(exc.headers or {})
            allowed = _allowed_methods(app, request.scope)
            if allowed:
                headers["Allow"] = ", ".join(allowed)
            return error_response(
                405,
                Code.UNIMPLEMENTED,
                f"{request.method} is not allowed on {request.url.path}; "
                f"use {' or '.join(allowed or ['another method'])}.",
                headers=headers,
            )
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # FastAPI's words when json.loads fails other than by JSONDecodeError
            # (bytes that are not UTF-8, nesting too deep).
            return error_response(
                400,
                Code.INVALID_ARGUMENT,
                "The request body could not be read as JSON; send UTF-8 encoded JSON.",
            )
        code = Code.INVALID_ARGUMENT if exc.status_code < 500 else Code.INTERNAL
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(UnicodeError)
    async def _unicode_error(_: Request, exc: UnicodeError) -> JSONResponse:
        return error_response(
            400, Code.INVALID_ARGUMENT, "Text in the request is not valid Unicode (UTF-8)."
        )

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error on %s %s: %s", request.method, request.url.path, type(exc))
        return error_response(500, Code.INTERNAL, "The local instance failed; see its log.")

    api_key = APIKeyHeader(name="rime-api-key", auto_error=False)
    bearer = HTTPBearer(auto_error=False)

    async def caller(
        key: Annotated[str | None, Depends(api_key)],
        session: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        if key:
            return store.authenticate_api_token(key)
        if session is not None and session.credentials:
            return store.authenticate_session(session.credentials)
        raise unauthenticated("No credentials: send your API token in the rime-api-key header.")

    Caller = Annotated[Principal, Depends(caller)]
    PageSize = Annotated[int | None, Query(alias="pageSize", ge=0)]
    PageToken = Annotated[str, Query(alias="pageToken", max_length=200)]
    WorkspaceQuery = Annotated[str | None, Query(alias="workspaceId.uuid", max_length=100)]

    # -- local-instance endpoints ------------------------------------------------------

    @app.get("/healthz", tags=["local"])
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"}, headers={INSTANCE_HEADER: instance_id})

    @app.post("/v1/auth/login", tags=["local"], response_model_exclude_none=True)
    async def login(req: m.LoginRequest) -> m.LoginResponse:
        email = req.email.strip().lower()
        if not email or len(email) > 254:
            raise invalid("Enter the email address of your account.")
        attempt = throttle.begin(email)
        found = store.password_hash_for(email)
        stored = found[1] if found else security.dummy_password_hash()
        ok = await anyio.to_thread.run_sync(security.verify_password, req.password, stored)
        if found is None or not ok:
            raise unauthenticated("Wrong email or password.")
        throttle.succeeded(email, attempt)
        return store.create_session(found[0])

    @app.post("/v1/auth/logout", tags=["local"])
    async def logout(who: Caller) -> m.Empty:
        store.end_session(who)
        return m.Empty()

    # -- cluster ------------------------------------------------------------------------

    @app.get("/v1/rime-info", tags=["cluster"], response_model_exclude_none=True)
    async def rime_info(_: Caller) -> m.RimeInfo:
        return store.rime_info()

    @app.get("/v1/feature-flags/{customer_name}/limits/{limit}", tags=["cluster"])
    async def license_limit(_: Caller, customer_name: str, limit: str) -> m.GetLimitStatusResponse:
        return m.GetLimitStatusResponse(limit_status=store.limit_status(customer_name, limit))

    # -- users ---------------------------------------------------------------------------

    @app.get("/v1/users/roles", tags=["users"])
    async def roles(who: Caller) -> m.RolesResponse:
        return store.roles(who)

    @app.get(
        "/v1/users/api-tokens",
        tags=["api-tokens"],
        response_model=m.ListApiTokensResponse,
        response_model_exclude_none=True,
    )
    async def list_api_tokens(
        who: Caller,
        workspace_id: WorkspaceQuery = None,
        page_size: PageSize = None,
        page_token: PageToken = "",
        token_type: Annotated[
            str | None, Query(alias="firstPageQuery.tokenType", max_length=100)
        ] = None,
    ) -> Response:
        body = store.list_tokens_json(who, workspace_id, token_type, page_token, page_size)
        return Response(body, media_type="application/json")

    @app.post("/v1/users/api-tokens", tags=["api-tokens"])
    async def create_api_token(
        who: Caller, req: m.CreateApiTokenRequest
    ) -> m.CreateApiTokenResponse:
        return store.create_token(who, req)

    @app.delete("/v1/users/api-tokens/{token_id}", tags=["api-tokens"])
    async def delete_api_token(who: Caller, token_id: str) -> m.Empty:
        store.delete_token(who, token_id)
        return m.Empty()

    @app.get("/v1/users/{user_id}", tags=["users"])
    async def get_user(_: Caller, user_id: str) -> m.GetUserResponse:
        return m.GetUserResponse(user=store.get_user(user_id))

    @app.get("/v1/users", tags=["users"])
    async def list_users(
        _: Caller, page_size: PageSize = None, page_token: PageToken = ""
    ) -> m.ListUsersResponse:
        return store.list_users(page_token, page_size)

    @app.post("/v1/users", tags=["users"])
    async def create_user(who: Caller, req: m.CreateUserRequest) -> m.CreateUserResponse:
        store.validate_new_user(who, req)
        password_hash = await anyio.to_thread.run_sync(security.hash_password, req.password)
        user_id = store.create_user(req, password_hash)
        return m.CreateUserResponse(user_id=m.RimeUUID(uuid=user_id))

    # -- workspaces ----------------------------------------------------------------------

    @app.get("/v1/workspace", tags=["workspaces"], response_model_exclude_none=True)
    async def list_workspaces(
        who: Caller, page_size: PageSize = None, page_token: PageToken = ""
    ) -> m.ListWorkspacesResponse:
        return store.list_workspaces(who, page_token, page_size)

    @app.post("/v1/workspace", tags=["workspaces"])
    async def create_workspace(
        who: Caller, req: m.CreateWorkspaceRequest
    ) -> m.CreateWorkspaceResponse:
        return m.CreateWorkspaceResponse(
            workspace_id=m.RimeUUID(uuid=store.create_workspace(who, req))
        )

    @app.get("/v1/workspace/{workspace_id}", tags=["workspaces"], response_model_exclude_none=True)
    async def get_workspace(who: Caller, workspace_id: str) -> m.GetWorkspaceResponse:
        return m.GetWorkspaceResponse(workspace=store.get_workspace(who, workspace_id))

    @app.get("/v1/workspace/{workspace_id}/users", tags=["workspaces"])
    async def list_members(
        who: Caller, workspace_id: str, page_size: PageSize = None, page_token: PageToken = ""
    ) -> m.ListWorkspaceMembersResponse:
        return store.list_members(who, workspace_id, page_token, page_size)

    @app.post("/v1/workspace/{workspace_id}/users", tags=["workspaces"])
    async def add_members(who: Caller, workspace_id: str, req: m.AddMembersRequest) -> m.Empty:
        store.add_members(who, workspace_id, req)
        return m.Empty()

    # -- projects -------------------------------------------------------------------------

    @app.post("/v1/projects", tags=["projects"], response_model_exclude_none=True)
    async def create_project(who: Caller, req: m.CreateProjectRequest) -> m.ProjectResponse:
        return m.ProjectResponse(project=store.create_project(who, req))

    # The seed's `requests` example posts to /projects; it lands in the token's workspace.
    app.post("/projects", tags=["projects"], response_model_exclude_none=True)(create_project)

    @app.get("/v1/projects", tags=["projects"], response_model_exclude_none=True)
    async def list_projects(
        who: Caller,
        workspace_id: WorkspaceQuery = None,
        page_size: PageSize = None,
        page_token: PageToken = "",
    ) -> m.ListProjectsResponse:
        return store.list_projects(who, workspace_id, page_token, page_size)

    @app.get("/v1/projects/{project_id}", tags=["projects"], response_model_exclude_none=True)
    async def get_project(who: Caller, project_id: str) -> m.GetProjectResponse:
        return m.GetProjectResponse(project=store.get_project(who, project_id))

    @app.put("/v1/projects/{project_id}", tags=["projects"], response_model_exclude_none=True)
    async def update_project(
        who: Caller, project_id: str, req: m.UpdateProjectRequest
    ) -> m.ProjectResponse:
        return m.ProjectResponse(project=store.update_project(who, project_id, req))

    @app.get("/v1/projects/{project_id}/url", tags=["projects"])
    async def project_url(who: Caller, project_id: str, request: Request) -> m.ProjectURLResponse:
        # No web app here: the project's own REST address, without a scheme as on a cluster.
        project = store.get_project(who, project_id).project
        url = f"{request.url.netloc}/v1/projects/{project.id.uuid}"
        return m.ProjectURLResponse(url=m.SafeURL(url=url))

    @app.get("/v1/projects/{project_id}/role/workspace", tags=["projects"])
    async def workspace_roles(who: Caller, project_id: str) -> m.WorkspaceRolesResponse:
        return store.workspace_roles(who, project_id)

    @app.put("/v1/projects/{project_id}/role/workspace", tags=["projects"])
    async def set_workspace_roles(
        who: Caller, project_id: str, req: m.UpdateWorkspaceRolesRequest
    ) -> m.WorkspaceRolesResponse:
        return store.set_workspace_roles(who, project_id, req)

    @app.delete("/v1/projects/{project_id}", tags=["projects"])
    async def delete_project(who: Caller, project_id: str) -> m.Empty:
        store.delete_project(who, project_id)
        return m.Empty()

    return app
