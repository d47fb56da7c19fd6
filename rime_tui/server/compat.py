"""Every use of a private uvicorn name, in one place, checked when ``serve`` starts.

:class:`GuardedH11Protocol` subclasses uvicorn's HTTP/1.1 protocol
(``uvicorn.protocols.http.h11_impl.H11Protocol``, not a public API) to put limits
on connections, and gives the owner's private line (the Unix socket in the data
dir) a connection budget of its own: the TCP port's crowd never fills it.

It relies on these names of H11Protocol: the methods ``connection_made``,
``data_received``, ``on_response_complete``, ``connection_lost``, and the
attributes ``conn`` (the h11 connection), ``transport``, ``loop``,
``connections`` (the server's set of open connections, shared by all its
listeners) and ``limit_concurrency``. :func:`check_uvicorn` runs when ``serve``
starts and fails loudly, naming uvicorn's version, when one of them is gone,
instead of the limits silently doing nothing. pyproject.toml bounds uvicorn's
version to those this was checked with.
"""

from __future__ import annotations

import asyncio
import socket

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

REQUEST_SECONDS = 10  # a request must arrive whole within this, or its connection closes
MAX_CONNECTIONS = 128  # TCP connections beyond this are closed at once
MAX_PRIVATE_CONNECTIONS = 64  # the same for the owner's Unix socket, counted apart

METHODS = ("connection_made", "data_received", "on_response_complete", "connection_lost")
ATTRIBUTES = ("conn", "transport", "loop", "connections", "limit_concurrency")


class UvicornChangedError(RuntimeError):
    """The installed uvicorn lacks a private name rime-tui relies on."""


def check_uvicorn() -> None:
    """Raise :class:`UvicornChangedError` unless the private names used here still exist."""
    # Its own methods (asyncio.Protocol has empty ones of three of these names).
    missing = [name for name in METHODS if not callable(vars(H11Protocol).get(name))]
    assigned = set(H11Protocol.__init__.__code__.co_names)
    missing += [name for name in ATTRIBUTES if name not in assigned]
    if missing:
        import uvicorn

        raise UvicornChangedError(
            f"uvicorn {uvicorn.__version__} changed its private HTTP/1.1 protocol "
            f"(H11Protocol lacks {', '.join(missing)}), on which rime-tui's connection "
            "limits rely (rime_tui/server/compat.py). Install a uvicorn version that "
            "pyproject.toml allows."
        )


def is_private(transport: asyncio.BaseTransport) -> bool:
    """Whether *transport* came through the owner's Unix socket."""
    sock = transport.get_extra_info("socket")
    return sock is not None and sock.family == socket.AF_UNIX


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with limits on connections.

    A connection must deliver each request whole (headers and body) within
    REQUEST_SECONDS of opening or of its previous answer, or it is closed: idle
    and half-sent connections cannot pile up until the process runs out of file
    descriptors. TCP connections beyond MAX_CONNECTIONS are closed at once; the
    owner's Unix socket has a budget of its own (MAX_PRIVATE_CONNECTIONS) and is
    exempt from uvicorn's concurrency limit, which counts every connection.
    """

    deadline: asyncio.TimerHandle | None = None
    private = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.private = is_private(transport)
        super().connection_made(transport)  # type: ignore[arg-type]
        if self.private:
            self.limit_concurrency = None
        same_line = sum(1 for c in self.connections if getattr(c, "private", False) is self.private)
        if same_line > (MAX_PRIVATE_CONNECTIONS if self.private else MAX_CONNECTIONS):
            self.transport.close()
        else:
            self._arm()

    def _arm(self) -> None:
        self._disarm()
        self.deadline = self.loop.call_later(REQUEST_SECONDS, self._too_slow)

    def _disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def _too_slow(self) -> None:
        self.deadline = None
        if self.conn.their_state is not h11.DONE and not self.transport.is_closing():
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.DONE:  # the request is in: the app takes over
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is not h11.DONE:
            self._arm()  # waiting for the next request

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
