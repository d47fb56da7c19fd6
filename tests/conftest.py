"""Shared fixtures: a real local instance on an ephemeral 127.0.0.1 port, real HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rime_tui.api import RimeClient
from rime_tui.server.runner import ServerThread
from tests.faulty_server import FaultyServer


class FakeClock:
    """An injectable clock for the server: tests move time instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> None:
        with self._lock:
            self._now += timedelta(**delta)


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
    server = ServerThread(data_dir, clock=clock, port=port).start()
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


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Local]:
    """A fresh local instance served over HTTP on 127.0.0.1, stopped afterwards."""
    instance = start_local(tmp_path / "data")
    try:
        yield instance
    finally:
        instance.server.stop()


@pytest.fixture(scope="module")
def module_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Local]:
    """One local instance for a whole module (bad requests and fuzzing change little)."""
    instance = start_local(tmp_path_factory.mktemp("module") / "data")
    try:
        yield instance
    finally:
        instance.server.stop()


@pytest.fixture
async def admin(local: Local) -> AsyncIterator[RimeClient]:
    """The bootstrap admin, authenticated with the bootstrap API token."""
    async with local.client() as client:
        yield client


@pytest.fixture
def faulty() -> Iterator[FaultyServer]:
    """A misbehaving stand-in for a remote cluster on 127.0.0.1 (tests/faulty_server.py)."""
    server = FaultyServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def root(local: Local) -> AsyncIterator[RimeClient]:
    """The bootstrap admin signed in with a session: not confined to one workspace."""
    async with RimeClient(local.url) as client:
        await client.login(local.admin_email, local.admin_password)
        yield client


@pytest.fixture
def make_app(local: Local, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Build the real app aimed at the running local instance (no config is saved)."""
    from rime_tui.local import LocalInstance
    from rime_tui.tui.app import RimeApp

    monkeypatch.setenv("RIME_TUI_CONFIG_DIR", str(tmp_path / "config"))

    def make(**kwargs: Any) -> RimeApp:
        kwargs.setdefault("local", LocalInstance(local.data_dir, local.server.port))
        return RimeApp(**kwargs)

    return make
