"""The typed RI Platform API client. This package never imports textual."""

from rime_tui.api.client import RimeClient, normalize_cluster_url
from rime_tui.api.errors import (
    AlreadyExistsError,
    ApiError,
    AuthenticationError,
    ConnectionFailedError,
    InvalidArgumentError,
    LimitExceededError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ProtocolError,
    RequestTimeoutError,
    RimeError,
    ServerError,
    TLSError,
    TransportError,
)

__all__ = [
    "AlreadyExistsError",
    "ApiError",
    "AuthenticationError",
    "ConnectionFailedError",
    "InvalidArgumentError",
    "LimitExceededError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "ProtocolError",
    "RequestTimeoutError",
    "RimeClient",
    "RimeError",
    "ServerError",
    "TLSError",
    "TransportError",
    "normalize_cluster_url",
]
