"""Stored profiles on the sign-in screen: ctrl+o fills in a profile's cluster and token,
and "Remember this token" stores the token signed in with (as ``rime-tui auth login``)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from rime_tui.profiles import Profile, load_profiles, profiles_file, save_profile
from rime_tui.tui import app as app_module
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from rime_tui.tui.widgets import FormCheck
from tests.support.faulty_server import FaultyServer
from tests.support.local import Local
from tests.support.tui import (
    error_text,
    notifications,
    ready_sign_in,
    screen,
    text_of,
    until,
    widgets_holding,
)


async def test_ctrl_o_fills_in_each_stored_profile_and_signs_in_with_it(
    local: Local, make_app: Any
) -> None:
    async with local.client() as client:
        other = (await client.create_api_token("ci-bot", local.workspace_id)).full_api_token
    save_profile(Profile("ci", local.url, other))
    save_profile(Profile("default", local.url, local.api_token))
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await ready_sign_in(pilot)
        assert signin.query_one("#email", Input).display  # email & password
        await pilot.press("ctrl+o")
        assert signin.query_one("#api-token", Input).display  # API token now
        assert not signin.query_one("#email", Input).display
        assert signin.query_one("#cluster", Input).value == local.url
        assert signin.query_one("#api-token", Input).value == other
        assert "(profile ci)" in text_of(signin.query_one("#target", Static))
        await pilot.press("ctrl+o")  # the next one
        assert signin.query_one("#api-token", Input).value == local.api_token
        assert "(profile default)" in text_of(signin.query_one("#target", Static))
        await pilot.press("enter")
        await screen(pilot, WorkspacesScreen)
        assert app.session is not None and app.session.method == "token"
        assert app.session.token_suffix == local.api_token[-4:]
        assert widgets_holding(app, local.api_token) == []  # not left in the form


async def test_remember_this_token_stores_it_as_a_profile(local: Local, make_app: Any) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await ready_sign_in(pilot)
        await pilot.press("ctrl+t")  # API token
        assert signin.focused is signin.query_one("#api-token", Input)
        signin.query_one("#api-token", Input).value = local.api_token  # (pasted)
        await pilot.press("tab", "space")  # the box under the field
        assert signin.query_one("#remember-token", FormCheck).value
        await pilot.press("enter")
        await screen(pilot, WorkspacesScreen)
        assert any("stored as profile 'default'" in n for n in notifications(app))
    assert load_profiles() == {"default": Profile("default", local.url, local.api_token)}
    assert stat.S_IMODE(profiles_file().stat().st_mode) == 0o600


async def test_a_token_signed_in_with_is_not_stored_unless_asked(
    local: Local, make_app: Any
) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await ready_sign_in(pilot)
        assert "Profile" not in text_of(app.screen.query_one("KeyBar"))  # none stored
        await pilot.press("ctrl+t")
        signin.query_one("#api-token", Input).value = local.api_token
        await pilot.press("enter")
        await screen(pilot, WorkspacesScreen)
    assert not profiles_file().exists()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, ("https://prod.example.io", "rime_prod", "default")),  # the default profile
        ({"profile": "ci"}, ("https://ci.example.io", "rime_ci", "ci")),
        ({"cluster": "https://other.io"}, ("https://other.io", "", None)),  # not sent there
    ],
    ids=["default", "named", "another cluster"],
)
def test_rime_tui_opens_on_the_profile(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    given: dict[str, str],
    expected: tuple[str, str, str | None],
) -> None:
    """``rime-tui [--profile NAME]``: the form is filled with the profile's cluster and
    token (run_tui, up to the app's run)."""
    save_profile(Profile("default", "https://prod.example.io", "rime_prod"))
    save_profile(Profile("ci", "https://ci.example.io", "rime_ci"))
    seen: list[tuple[str, str, str | None]] = []

    def run(self: RimeApp) -> None:
        seen.append((self.initial_cluster_url, self.initial_api_token, self.initial_profile))

    monkeypatch.setattr(app_module.RimeApp, "run", run)
    code = app_module.run_tui(
        cluster=given.get("cluster"),
        email=None,
        local=False,
        data_dir=tmp_path,
        port=1,
        api_token=None,
        profile=given.get("profile"),
    )
    assert code == 0 and seen == [expected]


async def test_a_profiles_token_is_not_sent_to_another_cluster(
    local: Local, make_app: Any, faulty: FaultyServer
) -> None:
    """ctrl+o fills in a profile's cluster and its (masked) token; the URL edited to
    another cluster, Enter: the token is not sent there (the commands withhold it too),
    the field is cleared and the screen says why."""
    save_profile(Profile("prod", local.url, local.api_token))
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await ready_sign_in(pilot)
        await pilot.press("ctrl+o")
        assert signin.query_one("#api-token", Input).value == local.api_token
        signin.query_one("#cluster", Input).value = faulty.url
        await pilot.press("enter")
        await until(pilot, lambda: "profile 'prod'" in error_text(app), "the refusal")
        await app.screen.workers.wait_for_complete()
        assert signin.query_one("#api-token", Input).value == ""
        assert isinstance(app.screen, SignInScreen)
    assert faulty.hits == []
