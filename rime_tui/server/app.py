"""The local instance's HTTP API: the RI Platform v1 wire format, served by FastAPI.

This module makes the app: its middleware, its error handlers and its routes
(:mod:`rime_tui.server.routes`, one router per part of the API). Routes check
what callers send (:mod:`~rime_tui.server.validation`), what they may do
(:mod:`~rime_tui.server.rules`), and read and write through the
:class:`~rime_tui.server.store.Store`. Handlers are ``async`` and call the store
on the event-loop thread, so store calls never interleave; only password hashing,
which is deliberately slow, runs in threads of its own
(:class:`~rime_tui.server.throttle.PasswordWork`).
"""

import inspect
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rime_tui import __version__
from rime_tui.server.deps import Context, on_private_line
from rime_tui.server.errors import Code, ServiceError
from rime_tui.server.routes import ROUTERS
from rime_tui.server.routes.tokens import (
    create_api_token,
    delete_api_token,
    list_api_tokens,
)
from rime_tui.server.store import Store
from rime_tui.server.throttle import Monotonic
from rime_tui.wire import models as m

log = logging.getLogger("rime_tui.server")

MAX_BODY_BYTES = 64 * 1024
DISK_FULL = (
    "The local instance's disk is full, so this change was not saved. Free some space "
    "on the disk that holds its data dir, then try again."
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})

_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": m.ErrorBody, "description": text}
    for status, text in {
        400: "Invalid argument",
        401: "Missing, unknown or expired credentials",
        403: "Permission denied",
        404: "Not found",
        409: "Already exists",
        413: "Request body too large",
        415: "The request body is not JSON",
        429: "Limit reached or too many attempts",
        507: "The disk of the instance's data dir is full",
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
        content_type = _header(scope, b"content-type")
        if content_type is not None and not _is_json(content_type):
            await self.not_json()(scope, receive, send)
            return
        try:
            declared = int(_header(scope, b"content-length") or 0)
        except ValueError:
            declared = 0
        if declared > self.limit:
            await self.too_large()(scope, receive, send)
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
                await self.too_large()(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and content_type is None:
            await self.not_json()(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def too_large(self) -> JSONResponse:
        return error_response(
            413,
            Code.RESOURCE_EXHAUSTED,
            f"The request body is larger than {self.limit // 1024} KiB.",
        )

    @staticmethod
    def not_json() -> JSONResponse:
        # Only JSON bodies: a web page can send a form or text/plain body to any
        # address without the browser asking first (no CORS preflight), not JSON.
        return error_response(
            415,
            Code.INVALID_ARGUMENT,
            "Send the request body as JSON, with the header Content-Type: application/json.",
        )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


Endpoint = Callable[[Request], Awaitable[Response]]
ItemEndpoint = Callable[[Request, str], Awaitable[Response]]  # and the item's id, from the path
ExceptionHandler = Callable[[Request, Exception], Response | Awaitable[Response]]


class HotRoutes:
    """Pure ASGI middleware: the hottest write, ``POST /v1/users/api-tokens`` (a burst
    of creates, and ``DELETE /v1/users/api-tokens/{id}``, the same clients' deletes),
    and the hottest read, ``GET /v1/users/api-tokens`` (the instance listing: a list
    per workspace, 64 at once), answered by their routes without
    FastAPI's routing, dependency solving and exception middleware: they cost a
    create about as much CPU as the route's own work (``bench_server_floor --parts
    create``), and a fifth of the instance's CPU in the listing (``bench_tui --only
    meter``). The routes stay registered for OpenAPI; they read what they need
    themselves (:func:`deps.request_caller`, :func:`deps.read_query`,
    :func:`deps.read_body`). Their failures get the app's own exception handlers, as
    through FastAPI; one with no handler of its own goes on to the 500 handler.
    """

    def __init__(
        self,
        app: ASGIApp,
        routes: dict[tuple[str, str], Endpoint],
        items: dict[tuple[str, str], ItemEndpoint] | None = None,
    ) -> None:
        self.app = app
        self.routes = routes  # (method, path) -> endpoint
        self.items = items or {}  # (method, path of the collection) -> endpoint of an item

    def _endpoint(self, scope: Scope) -> Endpoint | None:
        method, path = scope["method"], scope["path"]
        endpoint = self.routes.get((method, path))
        if endpoint is None and self.items:
            collection, _, item = path.rpartition("/")
            of_item = self.items.get((method, collection)) if item else None
            if of_item is not None:
                return lambda request: of_item(request, item)
        return endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self._endpoint(scope) if scope["type"] == "http" else None
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive, send)
        try:
            response = await endpoint(request)
        except Exception as exc:
            handler = _handler_of(request.app, exc)
            if handler is None:
                raise
            answer = handler(request, exc)  # (the app's handlers are all async)
            response = await answer if inspect.isawaitable(answer) else answer
        await response(scope, receive, send)


def _handler_of(app: FastAPI, exc: Exception) -> ExceptionHandler | None:
    """The handler the app's exception middleware gives *exc* (by its class, nearest
    first); None for those left to the 500 handler (``Exception``)."""
    for kind in type(exc).__mro__:
        if kind is Exception:
            return None
        handler: ExceptionHandler | None = app.exception_handlers.get(kind)
        if handler is not None:
            return handler
    return None


class HostGuard:
    """Pure ASGI middleware: only requests addressed to this instance, not from web pages.

    The Host header must name the instance as its clients reach it (a loopback
    name, or one of the hosts allowed with ``serve --allowed-host``, with the port
    it serves on), which defeats DNS rebinding; an Origin header, which browsers
    send with a web page's requests, must name the same.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.hosts = LOOPBACK_HOSTS | {h.lower() for h in allowed_hosts}
        self.names: dict[int, tuple[frozenset[str], frozenset[str]]] = {}  # port -> below

    def _names(self, port: int) -> tuple[frozenset[str], frozenset[str]]:
        """(the Host headers, the Origin headers) that name this instance on *port*."""
        found = self.names.get(port)
        if found is None:
            names = {f"{host}:{port}" for host in self.hosts}
            if port == 80:
                names |= self.hosts
            found = self.names[port] = (frozenset(names), frozenset(f"http://{n}" for n in names))
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # (Over the owner's Unix socket no web page, and no rebound name, can reach it.)
        if scope["type"] != "http" or scope.get("server") is None or on_private_line(scope):
            await self.app(scope, receive, send)
            return
        port = scope["server"][1]
        names, origins = self._names(port)
        host = (_header(scope, b"host") or "").lower()
        origin = _header(scope, b"origin")
        if host not in names:
            refusal = (
                f"The Host header {host[:100]!r} does not name this instance; "
                f"address it as http://127.0.0.1:{port}."
            )
        elif origin is not None and origin.lower() not in origins:
            refusal = f"Requests from web pages (Origin {origin[:100]!r}) are refused."
        else:
            await self.app(scope, receive, send)
            return
        await error_response(403, Code.PERMISSION_DENIED, refusal)(scope, receive, send)


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
    for context in iter_route_contexts(app.router.routes):  # through the included routers
        route = context.original_route
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches({**scope, "method": next(iter(route.methods))})
            if match == Match.FULL:
                methods |= route.methods
    return sorted(methods)


def _failed() -> JSONResponse:
    return error_response(500, Code.INTERNAL, "The local instance failed; see its log.")


def create_app(
    store: Store,
    *,
    instance_key: bytes = b"",
    allowed_hosts: Iterable[str] = (),
    monotonic: Monotonic = time.monotonic,
) -> FastAPI:
    """The FastAPI application serving *store*.

    *instance_key* answers the TUI's challenges (:mod:`rime_tui.proof`);
    *allowed_hosts* are the names besides loopback that requests may address;
    *monotonic* is the sign-in throttle's clock.
    """
    m.build_all()
    app = FastAPI(
        title="rime-tui local instance",
        version=__version__,
        description="An RI Platform-compatible instance for API access tokens.",
        responses=_ERROR_RESPONSES,
    )
    app.add_middleware(
        HotRoutes,
        routes={
            ("GET", "/v1/users/api-tokens"): list_api_tokens,
            ("POST", "/v1/users/api-tokens"): create_api_token,
        },
        items={("DELETE", "/v1/users/api-tokens"): delete_api_token},
    )
    app.add_middleware(BodyLimit)
    app.add_middleware(HostGuard, allowed_hosts=tuple(allowed_hosts))
    app.state.context = Context(store, instance_key, monotonic)
    for router in ROUTERS:
        app.include_router(router)

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

    @app.exception_handler(sqlite3.OperationalError)
    async def _database_error(request: Request, exc: sqlite3.OperationalError) -> JSONResponse:
        """A full disk is said, in one log line, and the connection is kept (handled
        here, the error does not reach uvicorn, which would log it and hang up)."""
        if exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_FULL:
            log.error("disk full: %s %s not saved (%s)", request.method, request.url.path, exc)
            return error_response(507, Code.RESOURCE_EXHAUSTED, DISK_FULL)
        log.error("database error on %s %s", request.method, request.url.path, exc_info=exc)
        return _failed()

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error on %s %s: %s", request.method, request.url.path, type(exc))
        return _failed()

    return app
