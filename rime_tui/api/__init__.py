"""The typed RI Platform API client. This package never imports textual.

Names are loaded on first use (PEP 562), so that importing the light
``rime_tui.api.errors`` does not pay for httpx and pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rime_tui.api.client import RimeClient, normalize_cluster_url
    from rime_tui.api.errors import (
        AlreadyExistsError,
        AnswerLostError,
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

_CLIENT = ("RimeClient", "normalize_cluster_url")

__all__ = [
    "AlreadyExistsError",
    "AnswerLostError",
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


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'rime_tui.api' has no attribute {name!r}")
    module = "rime_tui.api.client" if name in _CLIENT else "rime_tui.api.errors"
    return getattr(importlib.import_module(module), name)
