"""Errors in words: what a person reads when a call fails."""

from __future__ import annotations

from rime_tui.api import errors as e
from rime_tui.tui.text import visible


def describe(exc: BaseException) -> str:
    """A sentence for the screen; never a traceback, never a raw control character."""
    return visible(_describe(exc))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, e.TLSError):
        return f"TLS problem: {exc.message} Check the URL (http vs https) and certificates."
    if isinstance(exc, e.ConnectionFailedError):
        return f"Host unreachable. {exc.message}. Check the cluster URL and your network."
    if isinstance(exc, e.RequestTimeoutError):
        return f"{exc.message} Try again; the cluster may be busy."
    if isinstance(exc, e.TransportError):
        return f"Network problem: {exc.message}"
    if isinstance(exc, e.ProtocolError):
        return f"Not an RI cluster? {exc.message}"
    if isinstance(exc, e.LimitExceededError):
        if exc.retry_after is not None and "try again" not in exc.message.lower():
            return f"{exc.message} Try again in {exc.retry_after:.0f} s."
        return exc.message
    if isinstance(exc, e.ServerError):
        return f"The cluster failed (HTTP {exc.status_code}): {exc.message} Try again later."
    if isinstance(exc, e.RimeError):
        return exc.message
    if isinstance(exc, ValueError):
        return str(exc)
    return f"Unexpected error ({type(exc).__name__}): {exc}"
