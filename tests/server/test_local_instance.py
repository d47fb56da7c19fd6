"""rime-tui's handling of the local instance: reuse, start, refuse a stranger, stop."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from rime_tui.local import LocalInstance, LocalInstanceError
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.signin import SignInScreen
from tests.support.faulty_server import FaultyServer
from tests.support.local import Local
from tests.support.net import closed_port
from tests.support.tui import error_text, screen, screen_work_done, until


async def test_an_instance_already_serving_the_data_dir_is_reused(local: Local) -> None:
    instance = LocalInstance(local.data_dir, local.server.port)
    assert await instance.ensure_running() is False
    assert instance.process is None  # nothing was started
    assert instance.bootstrap() is not None


async def test_a_stranger_on_the_port_is_refused_with_advice(tmp_path: Path) -> None:
    stranger = FaultyServer().start()
    try:
        instance = LocalInstance(tmp_path / "data", int(stranger.url.rsplit(":", 1)[1]))
        with pytest.raises(LocalInstanceError, match="--port"):
            await instance.ensure_running()
        assert instance.process is None
    finally:
        stranger.stop()


async def test_another_data_dir_on_the_port_is_refused(local: Local, tmp_path: Path) -> None:
    instance = LocalInstance(tmp_path / "other", local.server.port)
    with pytest.raises(LocalInstanceError, match="another data dir"):
        await instance.ensure_running()


async def test_a_free_port_gets_a_new_instance_which_stop_ends(tmp_path: Path) -> None:
    instance = LocalInstance(tmp_path / "data", closed_port())
    try:
        assert await instance.ensure_running() is True
        boot = instance.bootstrap()
        assert boot is not None and boot["cluster_url"] == instance.url
        async with httpx.AsyncClient() as http:
            answer = await http.get(
                f"{instance.url}/v1/rime-info", headers={"rime-api-key": boot["api_token"]}
            )
        assert answer.status_code == 200
        process = instance.process
        assert process is not None
    finally:
        instance.stop()
    assert process.poll() is not None  # stopped, not left behind
    async with httpx.AsyncClient() as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"{instance.url}/healthz", timeout=2)


async def test_the_sign_in_screen_says_why_the_local_instance_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RIME_TUI_CONFIG_DIR", str(tmp_path / "config"))
    stranger = FaultyServer().start()
    try:
        port = int(stranger.url.rsplit(":", 1)[1])
        app = RimeApp(local=LocalInstance(tmp_path / "data", port), remember=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await screen(pilot, SignInScreen)
            await until(pilot, lambda: "--port" in error_text(app), "the start-up failure")
            await pilot.press("enter")  # signing in anyway repeats why, not "unreachable"
            await screen_work_done(pilot)  # the attempt is over
            assert "--port" in error_text(app)
            assert isinstance(app.screen, SignInScreen)
    finally:
        stranger.stop()
