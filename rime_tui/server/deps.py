"""What routes get from FastAPI's ``Depends``: the app's context, the store, the caller,
and the query parameters every list shares.

Every dependency is ``async``: FastAPI runs plain functions in a thread pool, and
the store is used from the event-loop thread only.

The hot token routes call :func:`app_context`, :func:`request_caller`,
:func:`read_query` and :func:`read_body` instead: solving the dependencies of
``Caller`` (four of them) and the parameters cost FastAPI more than the routes'
own work. They declare the same in OpenAPI (:data:`CALLER_SECURITY`,
:func:`query_openapi`, :func:`body_openapi`) and answer the same 400s.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import BaseModel, ValidationError

from rime_tui.server import rules
from rime_tui.server.errors import unauthenticated
from rime_tui.server.paging import MAX_PAGE_TOKEN_LENGTH
from rime_tui.server.rules import Principal
from rime_tui.server.store import Store
from rime_tui.server.throttle import LoginThrottle, Monotonic, PasswordWork
from rime_tui.wire.constants import API_KEY_HEADER

Model = TypeVar("Model", bound=BaseModel)


@dataclass
class Context:
    """One app's store and what its routes keep between requests."""

    store: Store
    instance_key: bytes = b""  # answers the TUI's challenges (rime_tui.proof)
    monotonic: Monotonic = time.monotonic
    throttle: LoginThrottle = field(init=False)  # sign-ins over TCP
    private_throttle: LoginThrottle = field(init=False)  # over the owner's Unix socket
    passwords: PasswordWork = field(default_factory=PasswordWork)
    token_json: dict[str, bytes] = field(default_factory=dict)  # token id -> its JSON
    # (workspace, owner, type, page token, page size) -> the page's JSON, while
    # token_pages_stamp is the store's write_stamp() (nothing written since)
    token_pages: dict[tuple[str | int | None, ...], bytes] = field(default_factory=dict)
    token_pages_stamp: tuple[int, int] = (-1, -1)

    def __post_init__(self) -> None:
        self.throttle = LoginThrottle(self.monotonic)
        self.private_throttle = LoginThrottle(self.monotonic)

    def throttle_for(self, scope: Mapping[str, Any]) -> LoginThrottle:
        """The sign-in throttle of the line *scope* came on: what is sprayed at the TCP
        port never locks the owner's private line out."""
        return self.private_throttle if on_private_line(scope) else self.throttle


def on_private_line(scope: Mapping[str, Any]) -> bool:
    """Whether the request came through a Unix socket (ASGI: ``server`` is
    ``[path, None]``), which only the data dir's owner can reach: the private line."""
    server = scope.get("server")
    return server is not None and server[1] is None


def app_context(request: Request) -> Context:
    found: Context = request.app.state.context
    return found


async def context(request: Request) -> Context:
    return app_context(request)


async def store(request: Request) -> Store:
    found: Context = request.app.state.context
    return found.store


_api_key = APIKeyHeader(name=API_KEY_HEADER, auto_error=False)
_bearer = HTTPBearer(auto_error=False)


async def caller(
    request: Request,
    key: Annotated[str | None, Depends(_api_key)],
    session: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The principal of the request's API token or session, or a 401."""
    return _authenticate(app_context(request).store, key, session.credentials if session else None)


def request_caller(request: Request) -> Principal:
    """:func:`caller` without ``Depends``: the headers read as APIKeyHeader and
    HTTPBearer (``auto_error=False``) read them."""
    headers = request.headers
    scheme, credentials = get_authorization_scheme_param(headers.get("authorization"))
    session = credentials if scheme.lower() == "bearer" else None
    return _authenticate(app_context(request).store, headers.get(API_KEY_HEADER), session)


def _authenticate(store: Store, key: str | None, session: str | None) -> Principal:
    if key:
        return rules.authenticate_api_token(store, key)
    if session:
        return rules.authenticate_session(store, session)
    raise unauthenticated(f"No credentials: send your API token in the {API_KEY_HEADER} header.")


# What routes that call request_caller declare in OpenAPI: Caller's security schemes.
CALLER_SECURITY: dict[str, object] = {"security": [{"APIKeyHeader": []}, {"HTTPBearer": []}]}


AppContext = Annotated[Context, Depends(context)]
AppStore = Annotated[Store, Depends(store)]
Caller = Annotated[Principal, Depends(caller)]
PageSize = Annotated[int | None, Query(alias="pageSize", ge=0)]
PageToken = Annotated[str, Query(alias="pageToken", max_length=MAX_PAGE_TOKEN_LENGTH)]
WorkspaceQuery = Annotated[str | None, Query(alias="workspaceId.uuid", max_length=100)]


def read_query(request: Request, model: type[Model]) -> Model:
    """The request's query parameters as *model* (fields by alias), or the 400 that
    FastAPI gives for query parameters it checks itself."""
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        errors = [{**e, "loc": ("query", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None


def query_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI ``parameters`` of a route that reads *model* with :func:`read_query`,
    as FastAPI would declare them from parameters of its own."""
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", ()))
    return {
        "parameters": [
            {"name": name, "in": "query", "required": name in required, "schema": field}
            for name, field in schema["properties"].items()
        ]
    }


async def read_body(request: Request, model: type[Model]) -> Model:
    """The request's JSON body as *model*, or the 400 that FastAPI gives for a body it
    checks itself (the JSON content type is :class:`~rime_tui.server.app.BodyLimit`'s)."""
    raw = await request.body()
    if not raw:
        missing = {"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}
        raise RequestValidationError([missing])
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        error = {"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error"}
        raise RequestValidationError([{**error, "input": {}, "ctx": {"error": exc.msg}}]) from None
    except Exception:  # not UTF-8, nested too deep: FastAPI's words, answered in app.py
        raise HTTPException(400, "There was an error parsing the body") from None
    try:
        return model.model_validate(data, from_attributes=True)  # as FastAPI validates
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None


def body_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a route that reads *model* with :func:`read_body`;
    the models it holds are among the app's schemas (responses hold them too)."""
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    content = {"application/json": {"schema": schema}}
    return {"requestBody": {"required": True, "content": content}}
