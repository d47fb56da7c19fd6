"""The client's exception hierarchy.

Every failure the client can raise is a :class:`RimeError`.  Errors the server
answered carry its HTTP status, gRPC code and message; errors that happened
before an answer arrived are :class:`TransportError`.

    RimeError
    ├── ApiError                (the server answered non-2xx)
    │   ├── InvalidArgumentError    400
    │   ├── AuthenticationError     401
    │   ├── PermissionDeniedError   403
    │   ├── NotFoundError           404
    │   ├── AlreadyExistsError      409
    │   ├── PayloadTooLargeError    413
    │   ├── LimitExceededError      429 (token cap, login throttling)
    │   └── ServerError             5xx
    ├── ProtocolError           (the answer is not what an RI cluster sends)
    └── TransportError          (.sent: the request may have reached the cluster)
        ├── ConnectionFailedError
        │   └── TLSError
        ├── RequestTimeoutError
        └── AnswerLostError     (a create sent, its answer lost: it may exist)
"""

from __future__ import annotations

from typing import Any


class RimeError(Exception):
    """Base class of every error raised by :mod:`rime_tui.api`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ApiError(RimeError):
    """The server answered with a non-2xx status and (usually) an RI error body."""

    status_code: int = 0

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: int | None = None,
        details: list[Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.details = details or []
        self.retry_after = retry_after


class InvalidArgumentError(ApiError):
    """400: the request was refused as malformed or invalid."""


class AuthenticationError(ApiError):
    """401: missing, unknown, expired or deleted credentials."""


class PermissionDeniedError(ApiError):
    """403: the credentials are valid but not allowed to do this."""


class NotFoundError(ApiError):
    """404: no such resource (or not visible to the caller)."""


class AlreadyExistsError(ApiError):
    """409: a resource with the same identity already exists."""


class PayloadTooLargeError(ApiError):
    """413: the request body was too large."""


class LimitExceededError(ApiError):
    """429: a limit was reached (200-token cap, login throttling)."""


class ServerError(ApiError):
    """5xx: the server failed."""


class ProtocolError(RimeError):
    """The answer is not an RI Platform answer (HTML, malformed JSON, wrong shape)."""


class TransportError(RimeError):
    """No answer arrived. *sent*: the request may have reached the cluster (its answer
    was awaited, or the connection broke while it was sent): what it asked may be done."""

    def __init__(self, message: str, *, sent: bool = False) -> None:
        super().__init__(message)
        self.sent = sent


class ConnectionFailedError(TransportError):
    """The cluster could not be reached (DNS, refused, reset)."""


class TLSError(ConnectionFailedError):
    """The TLS handshake failed (certificate, protocol)."""


class RequestTimeoutError(TransportError):
    """The cluster did not answer in time."""


class AnswerLostError(TransportError):
    """A request that makes something was sent and its answer never came: the cluster
    may have done it. (A create's: the token may exist, its secret lost.)"""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: InvalidArgumentError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: AlreadyExistsError,
    413: PayloadTooLargeError,
    429: LimitExceededError,
}


def error_class_for_status(status_code: int) -> type[ApiError]:
    """The :class:`ApiError` subclass for an HTTP status."""
    if status_code >= 500:
        return ServerError
    return _BY_STATUS.get(status_code, ApiError)
