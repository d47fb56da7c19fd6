"""Shared fixtures: a real local instance on an ephemeral 127.0.0.1 port, real HTTP."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from rime_tui.api import RimeClient
from rime_tui.local import LocalInstance
from rime_tui.tui.app import RimeApp
from tests.support.faulty_server import FaultyServer
from tests.support.helpers import sign_in_admin
from tests.support.local import Local, start_local
from tests.support.other_user import OtherUser, other_user
from tests.support.tui import MakeApp, SignIn, install_session
from tests.support.tui_health import WorkerFailures, watch_worker_failures


def new_loop_as_app_run() -> asyncio.AbstractEventLoop:
    """An event loop as Textual's App.run makes it: there, on Python 3.12 and later,
    a task starts running as soon as it is created (asyncio.eager_task_factory), up to
    its first wait; App.run_test leaves the loop as it is. A test on 3.12+ must see the
    app as a user sees it (a worker cancelled right after it starts ran its cleanup;
    the README's burst stopped at Workspaces on 3.12 and 3.13 only in a terminal)."""
    loop = asyncio.new_event_loop()
    if sys.version_info >= (3, 12):
        loop.set_task_factory(asyncio.eager_task_factory)
    return loop


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Any]:
    """Every async test runs on a loop made as App.run makes it (new_loop_as_app_run)."""
    return {"as-app-run": new_loop_as_app_run}


@pytest.fixture(autouse=True)
def isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own config and data dirs: nothing reads or writes the real ones."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("RIME_TUI_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("RIME_TUI_DATA_DIR", str(home / "data"))
    monkeypatch.delenv("RIME_PROFILE", raising=False)  # the stored profiles are the test's
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT", "TMUX"):  # tests that need
        monkeypatch.delenv(name, raising=False)  # one set it
    return home


@pytest.fixture
def desktop_clipboard(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A desktop clipboard for pyperclip, so that `c` is a copy read back (kept). A
    stand-in: no X server runs here (tests/tui/test_tui_clipboard.py uses a real one
    with Xvfb where there is one). Answers what was copied, in order."""
    import pyperclip

    held: list[str] = []
    monkeypatch.setattr(pyperclip, "copy", held.append)
    monkeypatch.setattr(pyperclip, "paste", lambda: held[-1] if held else "")
    return held


@pytest.fixture
def other() -> Iterator[OtherUser]:
    """A second Unix user on this machine (tests/support/other_user.py)."""
    yield from other_user()


@pytest.fixture
def failures(monkeypatch: pytest.MonkeyPatch) -> WorkerFailures:
    """Every worker of the app that fails, recorded (tests/support/tui_health.py)."""
    return watch_worker_failures(monkeypatch)


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
    """A misbehaving stand-in for a remote cluster on 127.0.0.1 (tests/support/faulty_server.py)."""
    server = FaultyServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def root(local: Local) -> AsyncIterator[RimeClient]:
    """The bootstrap admin signed in with a session: not confined to one workspace."""
    async with await sign_in_admin(local) as client:
        yield client


@pytest.fixture
def make_app(local: Local) -> MakeApp:
    """Build the real app aimed at the running local instance (config is isolated)."""

    def make(**kwargs: Any) -> RimeApp:
        kwargs.setdefault("local", LocalInstance(local.data_dir, local.server.port))
        return RimeApp(**kwargs)

    return make


@pytest.fixture
def signed_in(local: Local) -> SignIn:
    """Signs the admin in to a running app directly, without the sign-in form (for tests
    whose subject is not sign-in): ``await reach_tokens(pilot, signed_in=signed_in)``."""

    async def install(pilot: Pilot[Any]) -> None:
        await install_session(pilot, local)

    return install
