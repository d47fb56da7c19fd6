"""What the async client (:mod:`rime_tui.api.client`) and the one-shot synchronous one
(:mod:`rime_tui.api.oneshot`) share, so that they cannot drift apart: the cluster URL,
the request as sent (headers, parameters, body), the calls both make
(:class:`Call`), the answer as a wire model or an error of
:mod:`rime_tui.api.errors`, when a request is sent again, and where the next page
starts. No I/O here, and no asyncio: each client only sends and waits its own way.
"""

from __future__ import annotations

import contextlib
import random
import ssl
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any, Generic, NamedTuple, TypeVar
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
from rime_tui.wire import models as m
from rime_tui.wire.constants import API_KEY_HEADER, SESSION_HEADER, SESSION_SCHEME

M = TypeVar("M", bound=BaseModel)

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=15.0, pool=5.0)

# httpx's failures before any of a request left: the cluster cannot have acted on it
# (a ConnectError is a ConnectionFailedError, never sent).
NOT_SENT = (
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)

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


def segment(value: str) -> str:
    """A path segment, quoted so that no id can change the path it is put in."""
    return quote(value, safe="")


def request_url(base: httpx.URL, path: str, params: dict[str, Any]) -> httpx.URL:
    """*path* under the client's *base* URL, with *params* as its query: the URL httpx
    makes of them, parsed once (httpx parses a relative path and its params three
    times, half of the time it takes to build a request)."""
    tail = path.lstrip("/")
    if not tail.isascii():  # (the client's paths are: their ids are quoted, see segment)
        tail = httpx.URL(tail).raw_path.decode()
    raw = base.raw_path + tail.encode()
    if params:
        raw += b"?" + str(httpx.QueryParams(params)).encode()
    return base.copy_with(raw_path=raw)


def next_page_token(page: m.Paged[Any]) -> str | None:
    """Where the page after *page* starts; None after the last one."""
    token = page.next_page_token
    return token if page.has_more and token else None


class Call(NamedTuple, Generic[M]):
    """One call of the API as both clients make it: its answer is a *model*."""

    method: str
    path: str
    model: type[M]
    params: dict[str, Any] | None = None


TOKENS_PATH = "/v1/users/api-tokens"


def api_tokens_page(
    workspace_id: str | None, page_size: int | None, page_token: str, token_type: str | None
) -> Call[m.ListApiTokensResponse]:
    """A page of a workspace's tokens (without *workspace_id*: the calling API token's
    own workspace)."""
    params = {
        "workspaceId.uuid": workspace_id,
        "pageSize": page_size,
        "pageToken": page_token,
        "firstPageQuery.tokenType": token_type,
    }
    return Call("GET", TOKENS_PATH, m.ListApiTokensResponse, params)


def users_page(page_size: int | None, page_token: str) -> Call[m.ListUsersResponse]:
    params = {"pageSize": page_size, "pageToken": page_token}
    return Call("GET", "/v1/users", m.ListUsersResponse, params)


class Exchange:
    """One cluster, one set of credentials (API token or local session): the requests
    a client sends there and what it makes of the answers."""

    def __init__(
        self,
        cluster_url: str,
        *,
        api_token: str | None = None,
        session_token: str | None = None,
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

    @property
    def host(self) -> str:
        return urlsplit(self.cluster_url).netloc

    def _client_options(self, verify: bool | ssl.SSLContext) -> dict[str, Any]:
        """What httpx's client, async or not, is made with."""
        return {
            "base_url": self.cluster_url,
            "verify": tls_context(self.cluster_url) if verify is True else verify,
            "headers": {"user-agent": f"rime-tui/{__version__}", "accept": "application/json"},
        }

    def _auth_headers(self) -> dict[str, str]:
        if self.api_token:
            return {API_KEY_HEADER: self.api_token}
        if self.session_token:
            return {SESSION_HEADER: f"{SESSION_SCHEME} {self.session_token}"}
        return {}

    def _request_parts(
        self,
        params: dict[str, Any] | None,
        body: BaseModel | None,
        auth: bool,
        as_token: str | None,
    ) -> tuple[dict[str, Any], str | None, dict[str, str]]:
        """The query parameters (the empty ones left out), the body and the headers."""
        if as_token is not None:  # another credential, over this client's own connection
            headers = {API_KEY_HEADER: as_token}
        else:
            headers = self._auth_headers() if auth else {}
        content = None
        if body is not None:
            content = body.model_dump_json(by_alias=True, exclude_none=True)
            headers["content-type"] = "application/json"
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        return clean, content, headers

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

    def _retrying(
        self, method: str, path: str, response: httpx.Response, attempt: int
    ) -> float | None:
        """:meth:`_retry_wait`, told to *on_retry* when the request is sent again."""
        wait = self._retry_wait(method, response, attempt)
        if wait is not None and self.on_retry is not None:
            self.on_retry(
                f"{self.host} answered {response.status_code} to {method} {path}; "
                f"trying again in {wait:.1f} s ({attempt + 1} of {self.retries})"
            )
        return wait

    @contextlib.contextmanager
    def _transport_errors(self) -> Iterator[None]:
        """httpx's failures before an answer, as the client's :class:`TransportError`."""
        try:
            yield
        except httpx.TimeoutException as exc:
            raise RequestTimeoutError(
                f"{self.host} did not answer in time ({type(exc).__name__}).",
                sent=not isinstance(exc, NOT_SENT),
            ) from exc
        except httpx.ConnectError as exc:
            if _is_tls_failure(exc):
                raise TLSError(f"TLS handshake with {self.host} failed: {_root(exc)}") from exc
            raise ConnectionFailedError(f"Could not connect to {self.host}: {_root(exc)}") from exc
        except httpx.TransportError as exc:
            raise TransportError(
                f"Connection to {self.host} failed: {_root(exc)}",
                sent=not isinstance(exc, NOT_SENT),
            ) from exc

    def _answer(self, method: str, path: str, model: type[M], response: httpx.Response) -> M:
        """*response* as a *model*, or the error it is."""
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
