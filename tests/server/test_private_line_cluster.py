"""Issue J, in cluster mode: a ``--cluster`` URL that reaches the data dir's local
instance on this machine (its port, however the address is spelled) goes over the
private line, as local mode does; no credential goes to that TCP port, which any
local user may hold once the instance stopped.

Real ``rime-tui serve`` processes; the impostor runs as a second Unix user
(tests/support/other_user.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from rime_tui.local import LocalInstance
from rime_tui.tui.app import RimeApp, choose_target
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from tests.support.net import free_port
from tests.support.other_user import LISTENER, OtherUser, requests_logged, running
from tests.support.serve_process import serving
from tests.support.tui import error_text, screen, until

# -- the decision, shared by the TUI (run_tui) and the commands (connect) -----------


def target(
    cluster: str | None, data_dir: Path, port: int
) -> tuple[str | None, LocalInstance | None]:
    """What run_tui decides for ``rime-tui --cluster CLUSTER --data-dir D --port P``."""
    return choose_target(cluster, remembered=None, local=False, data_dir=data_dir, port=port)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.1", "0x7f.1", "[::ffff:127.0.0.1]", "localhost."]
)
def test_a_cluster_url_at_the_data_dirs_port_is_its_local_instance(
    tmp_path: Path, host: str
) -> None:
    data_dir, port = tmp_path / "data", free_port()
    cluster, instance = target(f"http://{host}:{port}", data_dir, port)
    assert cluster is None
    assert instance is not None
    assert (instance.data_dir, instance.port) == (data_dir, port)
    # No scheme: normalised first (http for this machine).
    assert target(f"{host}:{port}", data_dir, port)[0] is None
    # Another port on this machine, or another machine: a cluster, reached over TCP.
    assert target(f"http://{host}:{port + 1}", data_dir, port) == (
        f"http://{host}:{port + 1}",
        None,
    )
    assert target(f"https://rime.example.io:{port}", data_dir, port)[1] is None
    assert target(None, data_dir, port)[1] == LocalInstance(data_dir, port)


def test_a_remembered_cluster_url_at_the_data_dirs_port_is_its_local_instance(
    tmp_path: Path,
) -> None:
    """config.toml remembers ``cluster_url = "http://127.0.0.1:P"``; plain ``rime-tui``
    with the data dir of P: its instance, over the private line."""
    data_dir, port = tmp_path / "data", free_port()
    url = f"http://127.0.0.1:{port}"
    chosen = choose_target(None, remembered=url, local=False, data_dir=data_dir, port=port)
    assert chosen == (None, LocalInstance(data_dir, port))
    elsewhere = f"http://127.0.0.1:{port + 1}"
    chosen = choose_target(None, remembered=elsewhere, local=False, data_dir=data_dir, port=port)
    assert chosen == (elsewhere, None)
    chosen = choose_target(elsewhere, remembered=url, local=True, data_dir=data_dir, port=port)
    assert chosen == (None, LocalInstance(data_dir, port))


def test_the_port_bootstrap_json_records_is_the_local_instance_too(tmp_path: Path) -> None:
    """Served with --port P, run with the default port: a cluster URL at P is still
    that data dir's instance (bootstrap.json records P)."""
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "serve.log") as served:
        assert target(f"http://127.1:{served.port}", data_dir, 8477) == (
            None,
            LocalInstance(data_dir, served.port),
        )


# -- a: the TUI with --cluster at the instance's port, and RIME_API_TOKEN -------------


async def test_the_tui_sends_no_token_to_an_impostor_on_the_instances_port(
    tmp_path: Path, other: OtherUser
) -> None:
    """``RIME_API_TOKEN=… rime-tui --cluster http://127.0.0.1:P --data-dir D --port P``
    after D's instance stopped and another user bound P: the TUI says the instance
    cannot start (P is taken); Enter sends the token nowhere."""
    data_dir = tmp_path / "data"
    log = other.home / "impostor.log"
    with serving(data_dir, tmp_path / "serve.log") as served:
        token = served.bootstrap()["api_token"]
        port = served.port
    cluster_url, instance = target(f"http://127.0.0.1:{port}", data_dir, port)  # run_tui
    with running(other.start(LISTENER, port, log), "listening"):
        app = RimeApp(cluster_url=cluster_url, api_token=token, local=instance, remember=False)
        async with app.run_test(size=(100, 30)) as pilot:
            signin = await screen(pilot, SignInScreen)
            await pilot.press("enter")  # (while the instance starts: sign-in waits for it)
            await app.workers.wait_for_complete()
            await signin.workers.wait_for_complete()
            sent = requests_logged(log)
            assert sent == []
            assert "exited" in error_text(app)  # "...(code 3): ... address already in use"
            assert isinstance(app.screen, SignInScreen)
            assert app.session is None
            assert signin.query_one("#api-token", Input).value == token


async def test_with_the_instance_running_such_a_cluster_url_signs_in_over_the_private_line(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "serve.log") as served:
        token = served.bootstrap()["api_token"]
        cluster_url, instance = target(f"http://127.1:{served.port}", data_dir, served.port)
        app = RimeApp(cluster_url=cluster_url, api_token=token, local=instance, remember=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await screen(pilot, SignInScreen)
            await pilot.press("enter")
            workspaces = await screen(pilot, WorkspacesScreen)
            table = workspaces.query_one(DataTable)
            await until(pilot, lambda: table.row_count == 1, "the workspace")
            await app.workers.wait_for_complete()
            assert app.session is not None
            assert app.session.method == "token"
            assert app.session.client.cluster_url == served.url


# -- c: the TUI with --cluster at the instance's port, ctrl+t, a password -------------


async def test_the_tui_sends_no_password_to_an_impostor_on_the_instances_port(
    tmp_path: Path, other: OtherUser
) -> None:
    data_dir = tmp_path / "data"
    log = other.home / "impostor.log"
    with serving(data_dir, tmp_path / "serve.log") as served:
        port = served.port
    cluster_url, instance = target(f"http://127.0.0.1:{port}", data_dir, port)  # run_tui
    with running(other.start(LISTENER, port, log), "listening"):
        app = RimeApp(cluster_url=cluster_url, local=instance, remember=False)
        async with app.run_test(size=(100, 30)) as pilot:
            signin = await screen(pilot, SignInScreen)
            if signin.method == "token":
                await pilot.press("ctrl+t")
            signin.query_one("#email", Input).value = "admin@rime.local"
            signin.query_one("#password", Input).value = ""
            signin.query_one("#password", Input).focus()
            await pilot.press(*"s3cret-typed", "enter")
            await app.workers.wait_for_complete()
            await signin.workers.wait_for_complete()
            assert requests_logged(log) == []
            assert "exited" in error_text(app)
            assert isinstance(app.screen, SignInScreen)
            assert app.session is None


# -- d: the commands with --cluster at the instance's port ----------------------------


def token_list(
    cluster: str, data_dir: Path, port: int, token: str
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "rime_tui", "token", "list", "--json", "--cluster", cluster]
    command += ["--data-dir", str(data_dir), "--port", str(port)]
    env = {**os.environ, "RIME_API_TOKEN": token}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1"])
def test_the_cli_sends_no_token_to_an_impostor_on_the_instances_port(
    tmp_path: Path, other: OtherUser, host: str
) -> None:
    data_dir = tmp_path / "data"
    log = other.home / "impostor.log"
    with serving(data_dir, tmp_path / "serve.log") as served:
        token = served.bootstrap()["api_token"]
        port = served.port
        listed = token_list(f"http://{host}:{port}", data_dir, port, token)  # over the line
        assert listed.returncode == 0, listed.stderr
        assert len(json.loads(listed.stdout)) == 1
    with running(other.start(LISTENER, port, log), "listening"):
        listed = token_list(f"http://{host}:{port}", data_dir, port, token)
    assert requests_logged(log) == []
    assert listed.returncode != 0
    assert "The local instance exited" in listed.stderr  # P is taken: it cannot start
