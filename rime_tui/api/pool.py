"""The client's connection pool: httpcore's, with a pass linear in its connections
that checks only the connection it hands out (every use of a private httpcore or
httpx name is here).

httpcore (1.0.x) runs ``AsyncConnectionPool._assign_requests_to_connections`` on
every request sent and every answer read. With the 64 connections the instance
listing keeps (rime_tui/api/tokens.py), that pass cost more than the rest of a
request: it counts every connection once per idle connection (quadratic), asks
every connection whether it has expired (a poll of each idle socket), and can
hand one idle connection to several waiting requests, all but one of which wake,
find it taken and run the pass again (encode/httpcore#1035 and #1110, not released). At 1,000
workspaces that was most of the client's CPU and the count took 7-12 times its
round trips.

:class:`LeanPool` replaces only that pass, for HTTP/1.1 (the client does not ask for
HTTP/2): closed connections are dropped, surplus idle ones closed as before, and
each waiting request gets its own idle connection (one no other request is waiting
to use), whose socket alone is checked (:meth:`has_expired`) before it is handed
out; an expired one is closed and the next is tried. An idle connection nobody
takes is checked when it is next taken, or closed with the client. When no request
waits and the pool holds no more connections than it keeps alive (an answer was
read, as a rule), the pass has nothing to do: closed connections are dropped by the
next pass that hands one out.

It relies on these private names: httpx's ``AsyncClient._transport`` and
``AsyncHTTPTransport._pool``; httpcore's
``AsyncConnectionPool._assign_requests_to_connections``, ``_connections``,
``_requests``, ``_max_connections``, ``_max_keepalive_connections``; and
``AsyncPoolRequest.connection``, ``is_queued`` and ``assign_to_connection``.
:func:`make_lean` checks them (:func:`missing_names`) and keeps httpcore's own pool,
slower but right, when one is gone; ``tests/unit/test_client_pool.py`` fails then.
"""

from __future__ import annotations

import httpcore
import httpx
from httpcore._async.connection_pool import AsyncPoolRequest
from httpcore._async.interfaces import AsyncConnectionInterface

POOL_METHODS = ("_assign_requests_to_connections", "create_connection")
POOL_ATTRIBUTES = ("_connections", "_requests", "_max_connections", "_max_keepalive_connections")
REQUEST_METHODS = ("is_queued", "assign_to_connection")


class LeanPool(httpcore.AsyncConnectionPool):
    """httpcore's pool with a linear assignment pass (see the module's doc). It adds
    no state: :func:`make_lean` turns httpx's own pool into one."""

    def _assign_requests_to_connections(self) -> list[AsyncConnectionInterface]:
        closing: list[AsyncConnectionInterface] = []
        requests: list[AsyncPoolRequest] = self._requests
        if len(self._connections) <= (self._max_keepalive_connections or 0) and not any(
            r.is_queued() for r in requests
        ):
            return closing  # (an answer read) nothing waits, no idle one is surplus
        spoken_for = {id(r.connection) for r in requests if r.connection is not None}
        open_ones = [c for c in self._connections if not c.is_closed()]
        idle = [c for c in open_ones if id(c) not in spoken_for and c.is_idle()]
        surplus = len(idle) - (self._max_keepalive_connections or 0)
        if surplus > 0:  # the oldest go, as httpcore closes them
            closing += idle[:surplus]
            del idle[:surplus]
            open_ones = [c for c in open_ones if c not in closing]
        self._connections[:] = open_ones
        for request in requests:
            if not request.is_queued():
                continue
            connection = self._take_idle(request.request.url.origin, idle, closing)
            if connection is None and len(self._connections) >= (self._max_connections or 0):
                if not idle:
                    break  # every connection is busy: the rest wait for the next pass
                spare = idle.pop(0)  # one to another origin makes room
                self._connections.remove(spare)
                closing.append(spare)
            if connection is None:
                connection = self.create_connection(request.request.url.origin)
                self._connections.append(connection)
            request.assign_to_connection(connection)
        return closing

    def _take_idle(
        self,
        origin: httpcore.Origin,
        idle: list[AsyncConnectionInterface],
        closing: list[AsyncConnectionInterface],
    ) -> AsyncConnectionInterface | None:
        """The oldest idle connection to *origin* whose server has not closed it (the
        expired ones met on the way are closed)."""
        for connection in list(idle):
            if not connection.can_handle_request(origin):
                continue
            idle.remove(connection)
            if connection.has_expired():
                self._connections.remove(connection)
                closing.append(connection)
                continue
            if connection.is_available():
                return connection
        return None


def missing_names() -> list[str]:
    """The private names this module relies on that the installed httpcore or httpx
    lacks (none, with the versions pyproject.toml allows)."""
    pool_init = set(httpcore.AsyncConnectionPool.__init__.__code__.co_names)
    request_init = set(AsyncPoolRequest.__init__.__code__.co_names)
    transport_init = set(httpx.AsyncHTTPTransport.__init__.__code__.co_names)
    client_init = set(httpx.AsyncClient.__init__.__code__.co_names)
    missing = [
        f"AsyncConnectionPool.{name}"
        for name in POOL_METHODS
        if not callable(getattr(httpcore.AsyncConnectionPool, name, None))
    ]
    missing += [f"AsyncConnectionPool.{n}" for n in POOL_ATTRIBUTES if n not in pool_init]
    missing += [
        f"AsyncPoolRequest.{name}"
        for name in REQUEST_METHODS
        if not callable(getattr(AsyncPoolRequest, name, None))
    ]
    missing += [] if "connection" in request_init else ["AsyncPoolRequest.connection"]
    missing += [] if "_pool" in transport_init else ["AsyncHTTPTransport._pool"]
    missing += [] if "_transport" in client_init else ["AsyncClient._transport"]
    return missing


def make_lean(client: httpx.AsyncClient) -> None:
    """Give *client*'s own transport a :class:`LeanPool` (keeping httpcore's pool when a
    name this relies on is gone, or the transport is not httpx's own: a proxy's from
    the environment keeps its pool)."""
    transport = client._transport
    if type(transport) is not httpx.AsyncHTTPTransport or missing_names():
        return
    pool = transport._pool
    if type(pool) is httpcore.AsyncConnectionPool:
        pool.__class__ = LeanPool  # the same state, the pass above
