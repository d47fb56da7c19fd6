"""A real local instance on an ephemeral 127.0.0.1 port, and its injectable clock."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rime_tui.api import RimeClient
from rime_tui.local import LocalInstance
from rime_tui.server.runner import ServerThread


class FakeClock:
    """An injectable clock for the server: tests move time instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)
        self._elapsed = 0.0  # monotonic seconds: moved by advance() only
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        """The monotonic clock: it stands still, and moves as far as :meth:`advance`
        moves the wall clock forward (a step back leaves it where it is)."""
        with self._lock:
            return self._elapsed

    def advance(self, **delta: float) -> None:
        with self._lock:
            step = timedelta(**delta)
            self._now += step
            self._elapsed += max(0.0, step.total_seconds())


@dataclass
class Local:
    """A running local instance and what its first start created."""

    server: ServerThread
    clock: FakeClock
    data_dir: Path
    url: str
    admin_email: str
    admin_password: str
    workspace_id: str
    api_token: str

    def client(self, api_token: str | None = None, session_token: str | None = None) -> RimeClient:
        if api_token is None and session_token is None:
            api_token = self.api_token
        return RimeClient(self.url, api_token=api_token, session_token=session_token)


def start_local(data_dir: Path, clock: FakeClock | None = None, port: int = 0) -> Local:
    clock = clock or FakeClock()
    server = ServerThread(data_dir, clock=clock, monotonic=clock.monotonic, port=port).start()
    boot = json.loads((data_dir / "bootstrap.json").read_text())
    return Local(
        server=server,
        clock=clock,
        data_dir=data_dir,
        url=server.url,
        admin_email=boot["admin_email"],
        admin_password=boot["admin_password"],
        workspace_id=boot["workspace_id"],
        api_token=boot["api_token"],
    )


class GatedLocalInstance(LocalInstance):
    """The real local instance, whose start the test lets finish when it chooses (set
    :attr:`gate`); :attr:`waiting` is set once a start waits at the gate."""

    def __init__(self, data_dir: Path, port: int) -> None:
        super().__init__(data_dir, port)
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()

    async def ensure_running(self, timeout: float = 30.0) -> bool:  # noqa: ASYNC109 - the base's
        self.waiting.set()
        await self.gate.wait()
        return await super().ensure_running(timeout)
