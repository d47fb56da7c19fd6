"""A reverse proxy on 127.0.0.1 that puts a slow network in front of a real server.

It plays the distance between a user and a remote RI cluster (a VPN across the
world, a satellite link): every HTTP request it forwards waits ``delay`` seconds
before it reaches the upstream server, and a test can make the next matching
requests stall (held until :meth:`LatencyProxy.release`), reach the server but
have their answers held (until :meth:`LatencyProxy.release_answers`: the server has
done the work, the client does not know yet), or fail (the connection is closed
without an answer, as a dropped link does).  It is not a mock: the
answers are the upstream server's own bytes, unchanged.

It speaks HTTP/1.1 just enough to see where each request starts and ends
(``Content-Length`` bodies; the client and the local instance send no chunked
requests), so keep-alive connections carry several requests, each delayed on its
own.  It runs its own event loop in a thread, so a Pilot test (in its own loop),
a CLI subprocess and a plain synchronous test can all use it::

    with LatencyProxy(upstream_port, delay=1.0) as proxy:
        url = proxy.url
        proxy.stall("POST", "/v1/users/api-tokens")   # the next create waits
        ...
        proxy.release()
        assert proxy.requests[-1] == ("POST", "/v1/users/api-tokens")

:attr:`LatencyProxy.requests` lists every request that reached the upstream
server, in order; :attr:`LatencyProxy.peak_in_flight` how many were forwarded at
once (to count sequential round trips, compare :attr:`rounds`); :attr:`connections`
how many connections clients opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

HOST = "127.0.0.1"


@dataclass
class _Rule:
    """What happens to the next ``count`` requests that match."""

    method: str
    path: str  # a prefix of the request's path (the whole path if exact)
    action: str  # "stall", "hold", "fail", "refuse" or "delay"
    count: int
    delay: float = 0.0
    exact: bool = False
    skip: int = 0  # matching requests let through first

    def matches(self, method: str, path: str) -> bool:
        same = path == self.path if self.exact else path.startswith(self.path)
        return (self.method in ("*", method)) and same


@dataclass
class LatencyProxy:
    """Forward ``127.0.0.1:<port>`` to ``127.0.0.1:<upstream_port>``, ``delay`` s a request."""

    upstream_port: int
    delay: float = 0.0
    requests: list[tuple[str, str]] = field(default_factory=list)
    peak_in_flight: int = 0
    #: Client connections accepted (each a TCP connect, and over TLS a handshake, more).
    connections: int = 0
    #: One entry per request: (start, end) on time.monotonic(), to count round trips.
    spans: list[tuple[float, float]] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._released: asyncio.Event | None = None
        self._answers_released: asyncio.Event | None = None
        self._in_flight = 0
        self._stalled = 0
        self._held = 0
        self._writers: set[asyncio.StreamWriter] = set()

    # -- control, from any thread ---------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def set_delay(self, seconds: float) -> None:
        """The delay every following request waits (the rules still apply first)."""
        self.delay = seconds

    def stall(
        self,
        method: str = "*",
        path: str = "/",
        count: int = 1,
        *,
        exact: bool = False,
        skip: int = 0,
    ) -> None:
        """Hold the next ``count`` matching requests until :meth:`release` (*path* is a
        prefix of theirs, or with ``exact`` their whole path, the query aside), after
        letting ``skip`` of them through."""
        self._add(_Rule(method, path, "stall", count, exact=exact, skip=skip))

    def hold(
        self,
        method: str = "*",
        path: str = "/",
        count: int = 1,
        *,
        exact: bool = False,
        skip: int = 0,
    ) -> None:
        """Forward the next ``count`` matching requests at once, but keep their answers
        until :meth:`release_answers` (the server has acted; the client waits)."""
        self._add(_Rule(method, path, "hold", count, exact=exact, skip=skip))

    def fail(self, method: str = "*", path: str = "/", count: int = 1, *, skip: int = 0) -> None:
        """Drop the connection of the next ``count`` matching requests, unanswered (after
        letting ``skip`` of them through)."""
        self._add(_Rule(method, path, "fail", count, skip=skip))

    def refuse(self, method: str = "*", path: str = "/", count: int = 1) -> None:
        """Answer the next ``count`` matching requests with a 500 (an RI error body) in
        the cluster's stead, without forwarding them: the request was refused, and the
        client knows it was not carried out (unlike :meth:`fail`, a lost answer)."""
        self._add(_Rule(method, path, "refuse", count))

    def slow(self, seconds: float, method: str = "*", path: str = "/", count: int = 1) -> None:
        """Delay the next ``count`` matching requests by ``seconds`` instead of ``delay``."""
        self._add(_Rule(method, path, "delay", count, seconds))

    def _add(self, rule: _Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    def forget(self) -> None:
        """Drop every rule not used up yet (call before :meth:`release`, so that no later
        request is held by a stall that matched fewer requests than it allowed)."""
        with self._lock:
            self._rules.clear()

    def release(self) -> None:
        """Let every request stalled now through; a stall set later holds its request
        again (until the next release). When it returns, :attr:`stalled` no longer
        counts them, so a test can wait for the next stall without seeing these."""
        loop = self._loop
        if loop is None:
            return
        done = threading.Event()

        def release_now() -> None:
            self._release_now()
            done.set()

        loop.call_soon_threadsafe(release_now)
        if not done.wait(10):
            raise RuntimeError("the latency proxy did not release its stalled requests")

    def _release_now(self) -> None:
        if self._released is not None:
            self._released.set()  # wakes those waiting on it now
        self._stalled = 0  # all of them waited on that event
        self._released = asyncio.Event()

    def release_answers(self) -> None:
        """Send every held answer (and every later one matching a hold) on."""
        loop, released = self._loop, self._answers_released
        if loop is not None and released is not None:
            loop.call_soon_threadsafe(released.set)

    @property
    def stalled(self) -> int:
        """How many requests are being held right now."""
        return self._stalled

    @property
    def held(self) -> int:
        """How many answers are being held right now (their requests were served)."""
        return self._held

    @property
    def in_flight(self) -> int:
        """How many requests are being stalled, delayed, forwarded or answered right now."""
        return self._stalled + self._in_flight + self._held

    def count(self, method: str = "*", path: str = "/") -> int:
        """How many forwarded requests match."""
        return sum(1 for m, p in list(self.requests) if method in ("*", m) and p.startswith(path))

    @property
    def rounds(self) -> int:
        """Sequential round trips: requests whose spans overlap count as one."""
        rounds, end = 0, float("-inf")
        for start, stop in sorted(self.spans):
            if start >= end:
                rounds += 1
                end = stop
            else:
                end = max(end, stop)
        return rounds

    def reset_counts(self) -> None:
        self.requests.clear()
        self.spans.clear()
        self.peak_in_flight = 0
        self.connections = 0

    # -- life ------------------------------------------------------------------------

    def start(self) -> LatencyProxy:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            self._released = asyncio.Event()
            self._answers_released = asyncio.Event()
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve, HOST, self.port)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="latency-proxy", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the latency proxy did not start")
        return self

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return

        async def close() -> None:
            server.close()
            for writer in list(self._writers):
                writer.close()
            assert self._released is not None and self._answers_released is not None
            self._released.set()
            self._answers_released.set()
            # The connections' tasks end here, while the loop runs, not when it is
            # closed under them ("Task was destroyed but it is pending").
            # (Python 3.11's stream callback reports a cancelled handler as an error.)
            asyncio.get_running_loop().set_exception_handler(_quiet_about_cancelled)
            mine = asyncio.current_task()
            others = [task for task in asyncio.all_tasks() if task is not mine]
            for task in others:
                task.cancel()
            if others:
                await asyncio.wait(others, timeout=2)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)

        asyncio.run_coroutine_threadsafe(close(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        self._loop = None

    def __enter__(self) -> LatencyProxy:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the proxy -------------------------------------------------------------------

    def _take_rule(self, method: str, path: str) -> _Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    if rule.skip > 0:
                        rule.skip -= 1
                        return None
                    rule.count -= 1
                    if rule.count <= 0:
                        self._rules.remove(rule)
                    return rule
        return None

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self._writers.add(client_w)
        self.connections += 1
        upstream_w: asyncio.StreamWriter | None = None
        try:
            upstream_r, upstream_w = await asyncio.open_connection(HOST, self.upstream_port)
            self._writers.add(upstream_w)
            while True:
                request = await _read_message(client_r)
                if request is None:
                    return
                method, path = _request_line(request)
                rule = self._take_rule(method, path)
                if rule is not None and rule.action == "fail":
                    return
                if rule is not None and rule.action == "refuse":  # answered, not forwarded
                    client_w.write(_REFUSAL)
                    await client_w.drain()
                    continue
                if rule is not None and rule.action == "stall":
                    released = self._released
                    assert released is not None
                    self._stalled += 1
                    try:
                        await released.wait()
                    finally:
                        if not released.is_set():  # dropped, not released (counted there)
                            self._stalled -= 1
                wait = rule.delay if rule is not None and rule.action == "delay" else self.delay
                start = time.monotonic()
                self._in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
                try:
                    if wait:
                        await asyncio.sleep(wait)
                    self.requests.append((method, path))
                    forwarded = _with_host(request, f"{HOST}:{self.upstream_port}")
                    upstream_w.write(forwarded)
                    await upstream_w.drain()
                    answer = await _read_message(upstream_r, response_to=method)
                    if answer is None and upstream_r.at_eof():
                        # The upstream closed this connection while it was idle (its
                        # keep-alive ended): a reverse proxy opens another and sends the
                        # request there, it does not drop the client's connection.
                        self._writers.discard(upstream_w)
                        upstream_w.close()
                        upstream_r, upstream_w = await asyncio.open_connection(
                            HOST, self.upstream_port
                        )
                        self._writers.add(upstream_w)
                        upstream_w.write(forwarded)
                        await upstream_w.drain()
                        answer = await _read_message(upstream_r, response_to=method)
                finally:
                    self._in_flight -= 1
                    self.spans.append((start, time.monotonic()))
                if answer is None:
                    return
                if rule is not None and rule.action == "hold":
                    assert self._answers_released is not None
                    self._held += 1
                    try:
                        await self._answers_released.wait()
                    finally:
                        self._held -= 1
                client_w.write(answer)
                await client_w.drain()
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            return
        finally:
            for writer in (client_w, upstream_w):
                if writer is not None:
                    self._writers.discard(writer)
                    writer.close()


_REFUSAL_BODY = b'{"code": 13, "message": "refused by the latency proxy", "details": []}'
_REFUSAL = (
    b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n"
    b"content-length: %d\r\n\r\n" % len(_REFUSAL_BODY)
) + _REFUSAL_BODY


def _with_host(message: bytes, host: str) -> bytes:
    """The request with its Host header naming the upstream (the local instance accepts
    only requests that name it, as a reverse proxy in front of it would send)."""
    head, sep, body = message.partition(b"\r\n\r\n")
    lines = [
        f"Host: {host}".encode() if line.lower().startswith(b"host:") else line
        for line in head.split(b"\r\n")
    ]
    return b"\r\n".join(lines) + sep + body


def _request_line(message: bytes) -> tuple[str, str]:
    line = message.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    method = parts[0] if parts else ""
    target = parts[1] if len(parts) > 1 else "/"
    return method, target.split("?", 1)[0]


async def _read_message(reader: asyncio.StreamReader, response_to: str = "") -> bytes | None:
    """One HTTP/1.1 message: its head, and a body by Content-Length or chunks."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        return None
    headers: dict[str, str] = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    first = head.split(b"\r\n", 1)[0]
    no_body = response_to == "HEAD" or (
        response_to and first.split(b" ")[1:2] in ([b"204"], [b"304"])
    )
    if no_body:
        return head
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            chunk = await reader.readexactly(size + 2)
            body += size_line + chunk
            if size == 0:
                # No trailers are sent by uvicorn; the last chunk ends with CRLF.
                return head + body
    length = int(headers.get("content-length", "0") or "0")
    body = await reader.readexactly(length) if length else b""
    return head + body


def _quiet_about_cancelled(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    if not isinstance(context.get("exception"), asyncio.CancelledError):
        loop.default_exception_handler(context)


def main() -> None:
    """``python -m tests.support.latency_proxy UPSTREAM_PORT DELAY``: a proxy in a
    process of its own (a benchmark's client then pays none of its CPU, as none of a
    real network's); prints its port, runs until its standard input closes."""
    import sys

    upstream, delay = int(sys.argv[1]), float(sys.argv[2])
    with LatencyProxy(upstream, delay) as proxy:
        print(proxy.port, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
