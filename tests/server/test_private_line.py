"""Issue J: the owner's private line to the local instance (findings 1-4 and 9).

Real ``rime-tui serve`` processes; the impostor, the flood and the spray run as a
second Unix user (tests/support/other_user.py), as on a shared server.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from textual.widgets import DataTable, Input, Static

from rime_tui.local import SERVER_PID_FILE, LocalInstance, LocalInstanceError
from rime_tui.server.compat import UvicornChangedError, check_uvicorn
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from rime_tui.tui.session import LocalStart
from tests.support.net import free_port
from tests.support.other_user import (
    FLOOD,
    LISTENER,
    PYTHON,
    SPRAY,
    OtherUser,
    requests_logged,
    running,
)
from tests.support.require import require
from tests.support.serve_process import serving
from tests.support.tui import (
    error_text,
    reach_tokens,
    ready_sign_in,
    screen,
    screen_work_done,
    text_of,
    until,
)

# -- finding 1: an impostor after sign-in -------------------------------------------


async def test_after_a_restart_r_and_v_send_nothing_to_another_users_impostor(
    tmp_path: Path, other: OtherUser
) -> None:
    data_dir = tmp_path / "data"
    log = other.home / "impostor.log"
    with serving(data_dir, tmp_path / "serve.log") as served:
        app = RimeApp(local=LocalInstance(data_dir, served.port), remember=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await reach_tokens(pilot)
            await pilot.press("n", *"fresh", "enter")
            modal = await screen(pilot, TokenCreatedScreen)
            token = text_of(modal.query_one("#token"))
            assert app.session is not None
            session = app.session.client.session_token
            assert session
            served.stop()  # a crash, an OOM kill, a restart by hand...
            impostor = other.start(LISTENER, served.port, log)
            with running(impostor, "listening"):
                await pilot.press("v")  # test the token
                result = modal.query_one("#test-result", Static)
                await until(pilot, lambda: "did not work" in text_of(result), "the test")
                await pilot.press("escape", "y")
                await screen(pilot, TokensScreen)
                await pilot.press("r")  # refresh
                await screen_work_done(pilot)  # the refresh is over (it sent what it did)
                await app.workers.wait_for_complete()
    sent = requests_logged(log)
    assert not [r for r in sent if token in json.dumps(r) or session in json.dumps(r)]
    assert sent == []


HELD_BY = r"""
import os, socket, sys, time
path, uid, gid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sock = socket.socket(socket.AF_UNIX)
sock.bind(path)  # as root, in root's data dir...
os.setgid(gid)
os.setuid(uid)
sock.listen()  # ...but listening as the other user: its peer credentials are theirs
print("listening", flush=True)
while True:
    sock.accept()[0].close()
"""


def hold_for(other: OtherUser, path: Path) -> subprocess.Popen[str]:
    """A socket at *path* bound by root (us) and listened on by *other*."""
    command = [PYTHON, "-c", HELD_BY, str(path), str(other.uid), str(other.gid)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


async def test_a_socket_held_by_another_user_is_refused(tmp_path: Path, other: OtherUser) -> None:
    """The private line must be held by a process of ours (SO_PEERCRED), even when the
    socket file itself is ours; and a data dir others can write to proves nothing."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    instance = LocalInstance(data_dir, free_port())
    held = hold_for(other, instance.socket_path)
    with running(held, "listening"), pytest.raises(LocalInstanceError, match="another user"):
        await instance.ensure_running()
    assert held.returncode is not None
    data_dir.chmod(0o777)
    with pytest.raises(LocalInstanceError, match=r"not private to you"):
        await instance.ensure_running()


# -- finding 2: other spellings of the address ----------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.1",
        "0.0.0.0",
        "0x7f.1",
        "2130706433",
        "127.0.0.2",
        "[::ffff:127.0.0.1]",
        "localhost",
        "localhost.",
        "[::1]",
    ],
)
async def test_every_spelling_of_this_machine_and_the_port_is_the_local_instance(
    tmp_path: Path, host: str
) -> None:
    port = free_port()
    start = LocalStart(LocalInstance(tmp_path / "data", port))
    assert await start.is_for(f"http://{host}:{port}")
    assert not await start.is_for(f"http://{host}:{port + 1}")
    assert not await start.is_for(f"https://rime.example.io:{port}")


def own_address() -> str | None:
    """A non-loopback address of this machine (the one its default route leaves by)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # (UDP: nothing is sent)
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    return None if address.startswith("127.") else address


async def test_this_machines_own_address_is_the_local_instance_too(tmp_path: Path) -> None:
    address = own_address()
    if address is None:
        require("RIME_TUI_REQUIRE_ADDRESS", "this machine has no address but loopback")
    port = free_port()
    start = LocalStart(LocalInstance(tmp_path / "data", port))
    assert await start.is_for(f"http://{address}:{port}")
    assert not await start.is_for(f"http://192.0.2.1:{port}")  # TEST-NET: not this machine


async def test_the_prefilled_password_goes_nowhere_but_the_local_instance(
    tmp_path: Path, other: OtherUser
) -> None:
    """Tab to the URL, make it another port on this machine (where another user
    listens), Enter: the password filled in from bootstrap.json is not sent; the field
    is cleared and the screen says why."""
    data_dir = tmp_path / "data"
    log = other.home / "listener.log"
    elsewhere = free_port()
    with (
        serving(data_dir, tmp_path / "serve.log") as served,
        running(other.start(LISTENER, elsewhere, log), "listening"),
    ):
        password = served.bootstrap()["admin_password"]
        app = RimeApp(local=LocalInstance(data_dir, served.port), remember=False)
        async with app.run_test(size=(100, 30)) as pilot:
            signin = await ready_sign_in(pilot)
            assert signin.query_one("#password", Input).value == password
            signin.query_one("#cluster", Input).value = f"http://127.1:{elsewhere}"
            await pilot.press("enter")
            await until(pilot, lambda: "goes to it only" in error_text(app), "the refusal")
            await app.screen.workers.wait_for_complete()
            assert signin.query_one("#password", Input).value == ""
            assert isinstance(app.screen, SignInScreen)
            # The instance's own port, spelled another way, signs in (over the private line).
            signin.query_one("#cluster", Input).value = f"http://0x7f.1:{served.port}"
            signin.query_one("#password", Input).value = password
            await pilot.press("enter")
            workspaces = await screen(pilot, WorkspacesScreen)
            table = workspaces.query_one(DataTable)
            await until(pilot, lambda: table.row_count == 1, "the workspace")
            await app.workers.wait_for_complete()
            assert app.session is not None
            assert app.session.client.cluster_url == served.url
    assert requests_logged(log) == []


# -- findings 3 and 4: a flood and a spray on the TCP port ------------------------------


def rime_tui(*args: str) -> subprocess.CompletedProcess[str]:
    """``rime-tui ARGS`` in a process of its own (as the owner)."""
    command = [sys.executable, "-m", "rime_tui", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def token_list(data_dir: Path, port: int) -> subprocess.CompletedProcess[str]:
    return rime_tui("token", "list", "--json", "--data-dir", str(data_dir), "--port", str(port))


def test_the_owners_cli_works_through_a_slow_flood_and_a_sign_in_spray(
    tmp_path: Path, other: OtherUser
) -> None:
    """150 slow connections and 200 failed sign-ins for the admin, from another user:
    ``rime-tui token list`` still signs in (it used to get 429, or find /healthz dead
    and start a second instance that failed to bind) and starts no second instance."""
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "serve.log") as served:
        spray = other.run(SPRAY, served.port, 200, "admin@rime.local")
        assert json.loads(spray).get("429", 0) > 150  # the TCP port is locked for it
        with running(other.start(FLOOD, served.port, 150), "flooding"):
            listed = token_list(data_dir, served.port)
            assert listed.returncode == 0, listed.stderr
            assert len(json.loads(listed.stdout)) == 1  # the bootstrap token
            assert served.process.poll() is None
        assert "already running" not in listed.stderr
    assert not (data_dir / SERVER_PID_FILE).exists()  # nothing was started by the CLI


async def test_the_owners_tui_works_through_a_slow_flood_and_a_sign_in_spray(
    tmp_path: Path, other: OtherUser
) -> None:
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "serve.log") as served:
        spray = other.run(SPRAY, served.port, 200, "mixed")
        assert json.loads(spray).get("429", 0) > 150
        with running(other.start(FLOOD, served.port, 150), "flooding"):
            app = RimeApp(local=LocalInstance(data_dir, served.port), remember=False)
            async with app.run_test(size=(100, 30)) as pilot:
                tokens = await reach_tokens(pilot)  # sign in, Workspaces, Tokens: 1 row
                assert isinstance(tokens, TokensScreen)
            assert served.process.poll() is None


# -- finding 9: hygiene -----------------------------------------------------------------


async def test_a_failed_start_leaves_no_lease_and_no_pid_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        instance = LocalInstance(data_dir, taken.getsockname()[1])
        with pytest.raises(LocalInstanceError) as failed:
            await instance.ensure_running()
    assert list((data_dir / "leases").iterdir()) == []
    assert not (data_dir / SERVER_PID_FILE).exists()
    assert "--port" in str(failed.value)


async def test_the_pid_file_is_private(tmp_path: Path) -> None:
    instance = LocalInstance(tmp_path / "data", free_port())
    try:
        assert await instance.ensure_running() is True
        info = os.lstat(tmp_path / "data" / SERVER_PID_FILE)
        assert stat.S_IMODE(info.st_mode) == 0o600
        socket_mode = stat.S_IMODE(os.lstat(instance.socket_path).st_mode)
        assert socket_mode == 0o600
    finally:
        instance.stop()


def test_uvicorns_private_protocol_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The start-up check passes with the installed uvicorn, and fails loudly, naming
    what is gone, when uvicorn's private H11Protocol changes."""
    import uvicorn
    from uvicorn.protocols.http.h11_impl import H11Protocol

    check_uvicorn()
    monkeypatch.delattr(H11Protocol, "data_received")
    monkeypatch.delattr(H11Protocol, "on_response_complete")
    with pytest.raises(UvicornChangedError) as changed:
        check_uvicorn()
    assert str(changed.value) == (
        f"uvicorn {uvicorn.__version__} changed its private HTTP/1.1 protocol "
        "(H11Protocol lacks data_received, on_response_complete), on which rime-tui's "
        "connection limits rely (rime_tui/server/compat.py). Install a uvicorn version "
        "that pyproject.toml allows."
    )


def test_a_second_serve_on_the_data_dir_says_one_already_runs(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "serve.log") as served:
        port = str(free_port())
        second = rime_tui("serve", "--data-dir", str(data_dir), "--port", port, "--no-banner")
        assert second.returncode == 1
        assert "is already running" in second.stderr
        assert (data_dir / "instance.sock").exists()  # the first one's line stays
        assert served.process.poll() is None
    assert not (data_dir / "instance.sock").exists()  # removed when it stopped


def test_a_new_admin_password_ends_the_sign_in_lock(tmp_path: Path) -> None:
    """Five wrong passwords lock admin@rime.local on the TCP port; ``serve
    --reset-admin-password`` ends that lock on the running instance."""
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "serve.log") as served:
        login = f"{served.url}/v1/auth/login"
        with httpx.Client(timeout=60) as http:
            for attempt in range(5):
                body = {"email": "admin@rime.local", "password": f"wrong {attempt}"}
                assert http.post(login, json=body).status_code == 401
            body = {"email": "admin@rime.local", "password": served.bootstrap()["admin_password"]}
            assert http.post(login, json=body).status_code == 429
            reset = rime_tui("serve", "--data-dir", str(data_dir), "--reset-admin-password")
            assert reset.returncode == 0, reset.stderr
            body = {"email": "admin@rime.local", "password": served.bootstrap()["admin_password"]}
            assert http.post(login, json=body).status_code == 200
