"""Another local user must not get the admin password by answering on the port.

The TUI reaches its instance over the private line only (the Unix socket in the
data dir, rime_tui/local.py), never over the TCP port. Here an impostor binds the
instance's port after the real ``rime-tui serve`` stopped and copies everything
public about it: its /healthz answer, headers included. The TUI, driven with
Pilot, must say why its instance cannot start, and send the impostor nothing at
all (not even a question).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import Input

from rime_tui.local import LocalInstance, LocalInstanceError
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.signin import SignInScreen
from tests.support.serve_process import HOST, ServeProcess, serving
from tests.support.tui import error_text, ready_sign_in, screen, screen_work_done, until

STRANGER = "Something else answers on port"


@dataclass
class Copied:
    """A /healthz answer, as anyone on the machine can fetch it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def copy_healthz(url: str) -> Copied:
    answer = httpx.get(f"{url}/healthz")
    skip = {"content-length", "date", "server", "connection"}
    headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in skip]
    return Copied(answer.status_code, headers, answer.content)


@dataclass
class Impostor:
    """An HTTP server on the instance's port that answers /healthz with a copied (or
    relayed) answer and records every request it gets, bodies included."""

    port: int
    healthz: Copied | None = None
    relay_to: str | None = None  # forward /healthz, headers and all, to this URL
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        impostor = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                impostor.requests.append((self.command, self.path, body))
                copied = impostor.healthz
                if self.path == "/healthz" and impostor.relay_to:
                    relayed = httpx.get(
                        f"{impostor.relay_to}/healthz",
                        headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
                    )
                    copied = Copied(
                        relayed.status_code, list(relayed.headers.items()), relayed.content
                    )
                if copied is None or self.path != "/healthz":
                    copied = Copied(200, [("content-type", "application/json")], b"{}")
                self.send_response(copied.status)
                for name, value in copied.headers:
                    if name.lower() not in {"content-length", "date", "server", "connection"}:
                        self.send_header(name, value)
                self.send_header("content-length", str(len(copied.body)))
                self.end_headers()
                self.wfile.write(copied.body)

            do_GET = do_POST = do_DELETE = _answer

        self.server = ThreadingHTTPServer((HOST, self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def received(self, secret: str) -> list[str]:
        """The requests that carried *secret* (in their path or body)."""
        return [f"{m} {p}" for m, p, body in self.requests if secret in p + body.decode()]


@pytest.fixture
def stopped_instance(tmp_path: Path) -> Iterator[tuple[ServeProcess, Copied]]:
    """A data dir whose instance ran (its /healthz answer copied) and stopped."""
    with serving(tmp_path / "data", tmp_path / "serve.log") as served:
        copied = copy_healthz(served.url)
    yield served, copied


async def test_an_impostor_on_the_freed_port_gets_no_password(
    stopped_instance: tuple[ServeProcess, Copied],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served, copied = stopped_instance
    password = served.bootstrap()["admin_password"]
    impostor = Impostor(served.port, healthz=copied)
    monkeypatch.setenv("RIME_TUI_CONFIG_DIR", str(tmp_path / "config"))
    try:
        app = RimeApp(local=LocalInstance(served.data_dir, served.port), remember=False)
        async with app.run_test(size=(100, 30)) as pilot:
            signin = await screen(pilot, SignInScreen)
            await until(pilot, lambda: STRANGER in error_text(app), "the refusal")
            assert "--port" in error_text(app)
            assert signin.query_one("#password", Input).value == password  # prefilled, yet...
            await pilot.press("enter")  # ...signing in anyway sends nothing there
            await screen_work_done(pilot)  # the attempt is over
            assert isinstance(app.screen, SignInScreen)
            assert STRANGER in error_text(app)
    finally:
        impostor.stop()
    assert impostor.requests == []


async def test_an_impostor_that_appears_after_start_up_gets_no_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The instance is proved again just before the password goes: it may have stopped
    (and its port been taken) while the sign-in screen waited."""
    monkeypatch.setenv("RIME_TUI_CONFIG_DIR", str(tmp_path / "config"))
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "serve.log") as served:
        app = RimeApp(local=LocalInstance(data_dir, served.port), remember=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await ready_sign_in(pilot)  # the running instance proved itself: reused
            copied = copy_healthz(served.url)
            served.stop()
            impostor = Impostor(served.port, healthz=copied)
            try:
                await pilot.press("enter")
                await until(pilot, lambda: STRANGER in error_text(app), "the refusal")
                await app.screen.workers.wait_for_complete()
                assert isinstance(app.screen, SignInScreen)
            finally:
                impostor.stop()
    assert impostor.received(served.bootstrap()["admin_password"]) == []
    assert [p for _, p, _ in impostor.requests if p != "/healthz"] == []


async def test_an_impostor_on_the_old_port_is_not_asked_anything(tmp_path: Path) -> None:
    """The instance moved to another port (stopped, started again) and a stranger took
    the old one: the TUI still finds its instance, over the private line, and the
    stranger, even one relaying to the real instance, is never asked anything."""
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "serve.log") as real:
        port = real.port
    with serving(data_dir, tmp_path / "serve.log") as moved:
        assert moved.port != port
        impostor = Impostor(port, relay_to=moved.url)
        try:
            instance = LocalInstance(data_dir, port)
            assert await instance.ensure_running() is False  # found, not started
            instance.stop()
        finally:
            impostor.stop()
    assert impostor.requests == []


async def test_a_key_others_can_read_is_reported_as_such(tmp_path: Path) -> None:
    """A key file others can read was reported as "Something else answers on port";
    the private line does not need the key (a running instance is still found), and
    an instance is refused to start with it, saying so."""
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "serve.log") as served:
        port = served.port
        (data_dir / "instance-key").chmod(0o644)
        running = LocalInstance(data_dir, port)
        assert await running.ensure_running() is False
        running.stop()
    instance = LocalInstance(data_dir, port)
    with pytest.raises(LocalInstanceError, match=r"instance-key is not private to you") as error:
        await instance.ensure_running()
    assert STRANGER not in str(error.value)
    (data_dir / "instance-key").chmod(0o600)
    try:
        assert await instance.ensure_running() is True
    finally:
        instance.stop()
