"""First start, restart, and ``rime-tui serve`` as a real process."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from rime_tui.api import RimeClient
from tests.support.helpers import error_body, sign_in, wire_time
from tests.support.local import FakeClock, Local, start_local
from tests.support.net import free_port

BOOTSTRAP_KEYS = {"cluster_url", "admin_email", "admin_password", "workspace_id", "api_token"}
REPO = Path(__file__).resolve().parents[2]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- bootstrap, in process ---------------------------------------------------------------------


async def test_first_start_creates_admin_workspace_1_and_one_token(local: Local) -> None:
    assert local.admin_email == "admin@rime.local"
    async with await sign_in(local, local.admin_email, local.admin_password) as root:
        users = [u async for u in root.iter_users()]
        assert [(u.email, u.org_role) for u in users] == [("admin@rime.local", "ACTOR_ROLE_ADMIN")]
        workspaces = [w async for w in root.iter_workspaces()]
        assert [(w.workspace_id.uuid, w.name) for w in workspaces] == [
            (local.workspace_id, "Workspace 1")
        ]
        tokens = [t async for t in root.iter_api_tokens()]
    assert len(tokens) == 1
    token = tokens[0]
    assert token.workspace_id is not None and token.workspace_id.uuid == local.workspace_id
    assert token.user_id == users[0].id.uuid
    assert token.token_type == "TOKEN_TYPE_USER"
    assert token.suffix == local.api_token[-4:]
    assert token.expiration_time == wire_time(local.clock() + timedelta(days=270))
    # The bootstrap token is the admin's, in Workspace 1.
    async with local.client() as admin:
        roles = await admin.my_roles()
    assert [
        (r.subject_id, r.role) for r in roles if r.subject_type == "SUBJECT_TYPE_WORKSPACE"
    ] == [(local.workspace_id, "ACTOR_ROLE_ADMIN")]


def test_bootstrap_json_has_exactly_the_keys_and_mode_0600(local: Local) -> None:
    path = local.data_dir / "bootstrap.json"
    data = json.loads(path.read_text())
    assert set(data) == BOOTSTRAP_KEYS
    assert _mode(path) == 0o600
    assert data["cluster_url"] == local.url
    assert data["admin_email"] == "admin@rime.local"
    assert data["api_token"].startswith("rime_") and len(data["api_token"]) >= 5 + 27
    assert len(data["admin_password"]) >= 16


async def test_restart_on_the_same_data_dir_recreates_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    clock = FakeClock()
    first = start_local(data_dir, clock)
    try:
        before = json.loads((data_dir / "bootstrap.json").read_text())
        async with first.client() as admin:
            extra = await admin.create_api_token("made before the restart", first.workspace_id)
            await admin.create_project("kept")
    finally:
        first.server.stop()

    second = start_local(data_dir, clock)
    try:
        after = json.loads((data_dir / "bootstrap.json").read_text())
        # Same credentials; only the URL follows the new port.
        assert {k: v for k, v in after.items() if k != "cluster_url"} == {
            k: v for k, v in before.items() if k != "cluster_url"
        }
        assert after["cluster_url"] == second.url
        assert _mode(data_dir / "bootstrap.json") == 0o600
        assert second.server.instance.created is None

        # The old tokens still work, and nothing was created twice.
        async with second.client(api_token=before["api_token"]) as admin:
            assert (await admin.rime_info()).customer_name == "local"
            assert [p.project.name async for p in admin.iter_projects()] == ["kept"]
        async with second.client(api_token=extra.full_api_token) as extra_client:
            await extra_client.rime_info()
        async with await sign_in(second, "admin@rime.local", before["admin_password"]) as root:
            assert [u.email async for u in root.iter_users()] == ["admin@rime.local"]
            assert [w.name async for w in root.iter_workspaces()] == ["Workspace 1"]
            assert len([t async for t in root.iter_api_tokens()]) == 2
    finally:
        second.server.stop()


# -- `rime-tui serve` as a process ---------------------------------------------------------


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    stdout: Path
    stderr: Path

    def out(self) -> str:
        return self.stdout.read_text()

    def err(self) -> str:
        return self.stderr.read_text()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[list[Served]]:
    """Processes started by :func:`_start`; any still running are killed afterwards."""
    started: list[Served] = []
    yield started
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait()


def _start(
    started: list[Served],
    logs: Path,
    *args: str,
    host_for_requests: str = "127.0.0.1",
    env: dict[str, str] | None = None,
) -> Served:
    """Run ``python -m rime_tui serve --port P *args`` and wait for /healthz."""
    port = free_port()
    n = len(started)
    stdout, stderr = logs / f"out{n}.txt", logs / f"err{n}.txt"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "rime_tui", "serve", "--port", str(port), *args],
            stdout=out,
            stderr=err,
            cwd=REPO,
            env={**os.environ, **(env or {})},
        )
    served = Served(process, f"http://{host_for_requests}:{port}", stdout, stderr)
    started.append(served)
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, f"serve exited early:\n{served.err()}"
        try:
            answer = httpx.get(served.url + "/healthz", timeout=2)
        except httpx.TransportError:
            answer = None
        if answer is not None and answer.status_code == 200:
            assert answer.json() == {"status": "ok"}
            return served
        assert time.monotonic() < deadline, f"serve did not answer /healthz:\n{served.err()}"
        time.sleep(0.05)


def _terminate(served: Served, sig: signal.Signals = signal.SIGTERM) -> int:
    served.process.send_signal(sig)
    return served.process.wait(timeout=15)


def test_serve_bootstraps_answers_and_stops_on_sigterm(tmp_path: Path, serve: list[Served]) -> None:
    data_dir = tmp_path / "empty"
    served = _start(serve, tmp_path, "--data-dir", str(data_dir))

    path = data_dir / "bootstrap.json"
    assert _mode(path) == 0o600
    boot = json.loads(path.read_text())
    assert set(boot) == BOOTSTRAP_KEYS
    assert boot["cluster_url"] == served.url

    answer = httpx.get(served.url + "/v1/rime-info", headers={"rime-api-key": boot["api_token"]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["customerName"] == "local"
    error_body(httpx.get(served.url + "/v1/rime-info"), 401, 16)
    error_body(
        httpx.get(served.url + "/v1/rime-info", headers={"rime-api-key": "rime_wrong"}), 401, 16
    )

    # The credentials are printed once, on the first start.
    assert boot["api_token"] in served.out()
    assert boot["admin_password"] in served.out()
    assert "warning" not in served.err().lower()

    assert _terminate(served) == 0
    assert "Traceback" not in served.err()

    # A restart, finding the data dir through RIME_TUI_DATA_DIR, prints no secrets
    # and accepts the same token.
    again = _start(serve, tmp_path, env={"RIME_TUI_DATA_DIR": str(data_dir)})
    assert boot["admin_password"] not in again.out()
    assert boot["api_token"] not in again.out()
    answer = httpx.get(again.url + "/v1/rime-info", headers={"rime-api-key": boot["api_token"]})
    assert answer.status_code == 200
    assert json.loads(path.read_text())["api_token"] == boot["api_token"]
    assert _terminate(again) == 0


def test_serve_on_a_non_loopback_host_warns_about_tls(tmp_path: Path, serve: list[Served]) -> None:
    # Bound to 0.0.0.0 only briefly; every request goes to 127.0.0.1.
    served = _start(serve, tmp_path, "--host", "0.0.0.0", "--data-dir", str(tmp_path / "d"))
    warning = served.err()
    assert "warning" in warning and "0.0.0.0" in warning
    assert "no TLS" in warning
    assert _terminate(served) == 0


async def test_serve_url_works_with_the_typed_client(tmp_path: Path, serve: list[Served]) -> None:
    data_dir = tmp_path / "d"
    served = _start(serve, tmp_path, "--data-dir", str(data_dir), "--no-banner")
    boot = json.loads((data_dir / "bootstrap.json").read_text())
    assert boot["api_token"] not in served.out()
    async with RimeClient(boot["cluster_url"], api_token=boot["api_token"]) as client:
        created = await client.create_api_token("from the client", boot["workspace_id"])
        assert created.full_api_token.startswith("rime_")
    # Ctrl-C ends it cleanly too: exit status 0, no KeyboardInterrupt traceback.
    assert _terminate(served, signal.SIGINT) == 0
    assert "Traceback" not in served.err()
    assert "KeyboardInterrupt" not in served.err()


async def test_bootstrap_json_stops_naming_the_token_once_it_is_deleted(local: Local) -> None:
    path = local.data_dir / "bootstrap.json"
    async with await sign_in(local, local.admin_email, local.admin_password) as root:
        other = await root.create_api_token("another", local.workspace_id)
        await root.delete_api_token(other.id.uuid)  # another token: bootstrap.json unchanged
        assert json.loads(path.read_text())["api_token"] == local.api_token
        (bootstrap,) = [t async for t in root.iter_api_tokens() if t.name == "Default token"]
        await root.delete_api_token(bootstrap.id.uuid)
    data = json.loads(path.read_text())
    assert data["api_token"] is None
    assert data["admin_password"] == local.admin_password  # still signs in
    assert _mode(path) == 0o600
