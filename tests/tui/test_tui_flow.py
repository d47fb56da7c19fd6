"""The documented flow, end to end: the real app, a real local instance, real HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
from typing import Any

import httpx
import pytest
from textual.widgets import DataTable, Input, Static

from rime_tui.tui.screens.help import HelpScreen
from rime_tui.tui.screens.overview import OverviewScreen
from rime_tui.tui.screens.settings import SettingsScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from tests.support.local import Local
from tests.support.tui import (
    like,
    painted,
    reach_tokens,
    screen,
    screen_work_done,
    table_text,
    text_of,
    until,
    widgets_holding,
)


async def test_documented_flow_creates_a_working_token(local: Local, make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        # Sign-in is prefilled from bootstrap.json and says where it goes.
        signin = await screen(pilot, SignInScreen)
        assert local.url in text_of(signin.query_one("#target", Static))
        assert signin.query_one("#email", Input).value == "admin@rime.local"

        tokens = await reach_tokens(pilot)
        assert "Default token" in table_text(tokens.query_one(DataTable))

        await pilot.press("n", *"e2e token", "enter")
        modal = await screen(pilot, TokenCreatedScreen)
        token = text_of(modal.query_one("#token"))
        assert token.startswith("rime_")
        assert "only time" in text_of(modal.query_one("#warning", Static))

        # The token from the modal works against the instance, over HTTP.
        async with httpx.AsyncClient() as http:
            answer = await http.get(f"{local.url}/v1/rime-info", headers={"rime-api-key": token})
        assert answer.status_code == 200, answer.text

        await pilot.press("escape", "y")  # y: close without keeping it
        tokens = await screen(pilot, TokensScreen)
        table = tokens.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 2, "the new token in the list")
        assert f"…{token[-4:]}" in table_text(table)
        assert "e2e token" in table_text(table)
        # Once the dialog is closed, no widget anywhere holds the secret.
        assert widgets_holding(app, token) == []
        assert tokens.query_one("#token-name", Input).value == ""


async def test_test_token_action_reports_the_rime_info_answer(local: Local, make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_tokens(pilot)
        await pilot.press("n", *"tested", "enter")
        modal = await screen(pilot, TokenCreatedScreen)
        await pilot.press("v")
        result = modal.query_one("#test-result", Static)
        await until(pilot, lambda: "works" in text_of(result), "the token test")
        assert "200" in text_of(result)
        success = app.current_theme.success  # (the theme's, not a colour of our own)
        assert success and like(painted(result, "The token works"), success)


async def test_use_it_snippets_work_as_shown(local: Local, make_app: Any, admin: Any) -> None:
    """The dialog's curl and requests examples, run as a person would paste them."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await reach_tokens(pilot)
        await pilot.press("n", *"snippets", "enter")
        modal = await screen(pilot, TokenCreatedScreen)
        token = text_of(modal.query_one("#token"))
        await pilot.press("u")
        await until(pilot, lambda: bool(modal.query("#snippet-curl")), "the snippets")
        curl = text_of(modal.query_one("#snippet-curl"))
        requests_code = text_of(modal.query_one("#snippet-requests"))
        assert token in curl and token in requests_code and local.url in curl

        if shutil.which("curl"):
            ran = await asyncio.to_thread(
                subprocess.run, ["bash", "-c", curl], capture_output=True, text=True, timeout=30
            )
            assert ran.returncode == 0, ran.stderr
            project = json.loads(ran.stdout)["project"]
            assert project["name"] == "new"
            await admin.delete_project(project["id"]["uuid"])  # so requests can create it again

        ran = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-c", requests_code],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.startswith("200 "), ran.stdout


async def test_overview_counts_the_token_made_on_the_way_back(
    desktop_clipboard: list[str], local: Local, make_app: Any, signed_in: Any
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in)
        overview = app.screen_stack[-3]
        assert isinstance(overview, OverviewScreen)
        details = overview.query_one("#details", Static)
        assert re.search(r"Your API tokens\s*1\b", text_of(details))
        await pilot.press("n", *"counted", "enter")
        await screen(pilot, TokenCreatedScreen)
        await pilot.press("c", "escape", "escape", "escape")  # copied, closed, back twice
        await screen(pilot, OverviewScreen)
        await until(
            pilot, lambda: re.search(r"Your API tokens\s*2\b", text_of(details)), "2 tokens"
        )


async def test_overview_does_not_recount_after_help_or_the_palette(
    local: Local, make_app: Any, signed_in: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[str] = []
    original = OverviewScreen.fetch

    async def counted(self: OverviewScreen) -> None:
        loads.append("fetch")
        await original(self)

    monkeypatch.setattr(OverviewScreen, "fetch", counted)  # counts; the fetch is real
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await signed_in(pilot)
        await pilot.press("enter")
        overview = await screen(pilot, OverviewScreen)
        details = overview.query_one("#details", Static)
        await until(pilot, lambda: "Your API tokens" in text_of(details), "the counts")
        assert loads == ["fetch"]
        await pilot.press("question_mark")
        await screen(pilot, HelpScreen)
        await pilot.press("escape")
        await screen(pilot, OverviewScreen)
        await screen_work_done(pilot)  # what the resume set off, if anything, is done
        assert loads == ["fetch"]
        await pilot.press("s")
        await screen(pilot, SettingsScreen)
        await pilot.press("escape")  # back from Settings, a page: counts again
        await screen(pilot, OverviewScreen)
        await until(pilot, lambda: len(loads) == 2, "the recount")
        await screen_work_done(pilot)
        assert loads == ["fetch", "fetch"]  # once
