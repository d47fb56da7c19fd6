"""A deliberately misbehaving HTTP server that stands in for a remote RI cluster.

This is the one stand-in the TUI tests use: it is *not* a mock of our own
server or client.  It plays a remote cluster (or the proxy in front of it) with
the quirks a real network produces and that the local instance never shows:
hanging connections, slow answers, 5xx pages from a proxy, bodies that are not
JSON or not the RI shape, a 401 in the middle of a session, and names no local
instance would accept (control characters, 10,000 characters).

By default it answers the few calls the TUI makes with valid RI JSON built from
:attr:`FaultyServer.workspaces` and :attr:`FaultyServer.tokens`; a test sets a
:class:`Fault` per path with :meth:`FaultyServer.fail` and clears it with
:meth:`FaultyServer.heal`, or pins the exact answer to one request with
:meth:`FaultyServer.pin` (e.g. a real cluster's full shape, built from the SDK's
contract).  The JSON bodies of requests are kept in :attr:`FaultyServer.bodies`.
It serves plain HTTP on an ephemeral 127.0.0.1 port, one thread per connection.
"""

from __future__ import annotations

import json
import threading
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

WORKSPACE_ID = "0b5e4c1e-5a0c-4f7e-9d3a-000000000001"
USER_ID = "0b5e4c1e-5a0c-4f7e-9d3a-0000000000aa"

BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class Fault(Enum):
    """How the server misbehaves on a path."""

    HANG = "accept the request and never answer"
    SLOW = "answer normally once the test opens the gate"
    INTERNAL = "500 with an RI error body"
    BAD_GATEWAY = "502 with a proxy's HTML page"
    MALFORMED_JSON = "200 with a body that is not JSON"
    WRONG_SHAPE = "200 with JSON that is not the RI shape"
    UNAUTHORIZED = "401 with an RI error body"


def workspace(name: str, description: str = "", uuid: str = WORKSPACE_ID) -> dict[str, Any]:
    return {
        "workspaceId": {"uuid": uuid},
        "name": name,
        "description": description,
        "resultsRetentionInDays": 30,
    }


def api_token(name: str, uuid: str, suffix: str = "abcd") -> dict[str, Any]:
    return {
        "id": {"uuid": uuid},
        "name": name,
        "suffix": suffix,
        "creationTime": "2026-01-01T00:00:00.000Z",
        "expirationTime": "2099-01-01T00:00:00.000Z",
        "workspaceId": {"uuid": WORKSPACE_ID},
        "userId": USER_ID,
        "tokenType": "TOKEN_TYPE_USER",
    }


class FaultyServer:
    """Start with :meth:`start`, stop with :meth:`stop` (which releases hung requests)."""

    def __init__(self) -> None:
        self.faults: dict[str, Fault] = {}
        self.workspaces: list[dict[str, Any]] = [workspace("Remote workspace", "Far away")]
        self.tokens: list[dict[str, Any]] = []
        self.gate = threading.Event()  # SLOW answers wait for this
        self.hits: list[str] = []  # "GET /v1/rime-info", in order
        self.pinned: dict[str, tuple[int, Any]] = {}  # "GET /v1/..." -> (status, JSON)
        self.bodies: dict[str, Any] = {}  # "POST /v1/..." -> the last JSON body sent
        self.queued: dict[str, list[tuple[int, Any, dict[str, str]]]] = {}  # see answer_next
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FaultyServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.gate.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def fail(self, path: str, fault: Fault) -> None:
        with self._lock:
            self.faults[path] = fault

    def heal(self) -> None:
        """Every path answers normally again (and slow answers are let through)."""
        with self._lock:
            self.faults.clear()
        self.gate.set()

    def pin(self, method: str, path: str, body: Any, status: int = 200) -> None:
        """Answer every *method* request for *path* with *body* (as JSON) and *status*."""
        with self._lock:
            self.pinned[f"{method} {path}"] = (status, body)

    def answer_next(
        self,
        method: str,
        path: str,
        status: int,
        body: Any,
        *,
        headers: dict[str, str] | None = None,
        count: int = 1,
    ) -> None:
        """Answer the next *count* *method* requests for *path* with *status*, *body* (as
        JSON) and *headers* (e.g. a 503 with Retry-After); later ones as before."""
        with self._lock:
            self.queued.setdefault(f"{method} {path}", []).extend(
                [(status, body, headers or {})] * count
            )

    def count(self, method: str, path: str) -> int:
        """How many *method* requests for *path* arrived."""
        with self._lock:
            return self.hits.count(f"{method} {path}")

    def waiting(self, path: str) -> bool:
        """Whether a request for *path* has arrived (used to wait for a hung call)."""
        with self._lock:
            return any(hit.endswith(" " + path) for hit in self.hits)

    # -- answers -------------------------------------------------------------------------

    def _fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            self.hits.append(f"{method} {path}")
            return self.faults.get(path)

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """A valid RI answer for *path*."""
        if path == "/v1/rime-info":
            return 200, {"clusterInfoVersion": "1.0", "customerName": "Faulty Co"}
        if path == "/v1/users/roles":
            roles = [
                {
                    "subjectType": "SUBJECT_TYPE_ORGANIZATION",
                    "subjectId": "org",
                    "role": "ACTOR_ROLE_USER",
                }
            ]
            roles += [
                {
                    "subjectType": "SUBJECT_TYPE_WORKSPACE",
                    "subjectId": ws["workspaceId"]["uuid"],
                    "role": "ACTOR_ROLE_ADMIN",
                }
                for ws in self.workspaces
            ]
            return 200, {"roles": roles}
        if path == "/v1/workspace":
            return 200, {"workspaces": self.workspaces, "nextPageToken": "", "hasMore": False}
        if path.startswith("/v1/workspace/") and path.endswith("/users"):
            return 200, {"users": [], "nextPageToken": "", "hasMore": False}
        if path == "/v1/projects":
            return 200, {"projects": [], "nextPageToken": "", "hasMore": False}
        if path == "/v1/users/api-tokens":
            wanted = query.get("workspaceId.uuid", [WORKSPACE_ID])[0]
            mine = [t for t in self.tokens if t["workspaceId"]["uuid"] == wanted]
            return 200, {"apiTokenInfos": mine, "nextPageToken": "", "hasMore": False}
        return 404, {"code": 5, "message": f"{path} not found", "details": []}

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        request = f"{handler.command} {parts.path}"
        length = int(handler.headers.get("content-length") or 0)
        if length:  # read, so that the next request on this connection starts clean
            raw = handler.rfile.read(length)
            try:
                sent = json.loads(raw)
            except ValueError:
                sent = raw
            with self._lock:
                self.bodies[request] = sent
        fault = self._fault(handler.command, parts.path)
        if fault is Fault.HANG:
            self._stopping.wait()  # the client gives up first
            handler.close_connection = True
            return
        if fault is Fault.SLOW:
            self.gate.wait()
            fault = None
        if fault is Fault.BAD_GATEWAY:
            _send(handler, 502, BAD_GATEWAY_HTML.encode(), "text/html")
        elif fault is Fault.INTERNAL:
            body = {"code": 13, "message": "internal error [/] in the backend", "details": []}
            _send(handler, 500, json.dumps(body).encode())
        elif fault is Fault.UNAUTHORIZED:
            body = {"code": 16, "message": "The API key has been revoked.", "details": []}
            _send(handler, 401, json.dumps(body).encode())
        elif fault is Fault.MALFORMED_JSON:
            _send(handler, 200, b'{"roles": [{"role": "ACTOR_ROLE_')
        elif fault is Fault.WRONG_SHAPE:
            _send(handler, 200, b'["this", "is", "not", "an", "RI", "answer"]')
        else:
            with self._lock:
                queue = self.queued.get(request)
                queued = queue.pop(0) if queue else None
                pinned = self.pinned.get(request)
            if queued is not None:
                status, body, headers = queued
                _send(handler, status, json.dumps(body).encode(), headers=headers)
                return
            status, body = pinned or self.answer(parts.path, parse_qs(parts.query))
            _send(handler, status, json.dumps(body).encode())


def _send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> None:
    try:
        handler.send_response(status)
        handler.send_header("content-type", content_type)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("content-length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    except OSError:  # the client gave up (timeout, cancelled worker)
        handler.close_connection = True


def _handler_for(server: FaultyServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.serve(self)

        do_POST = do_GET
        do_PUT = do_GET
        do_DELETE = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet

    return Handler
