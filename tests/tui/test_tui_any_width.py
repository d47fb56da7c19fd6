"""Any terminal size (issue 15, finding 5 and 9): no crash down to 1x1 and back with the
token dialog open, the secret whole and selectable as one piece at every width, the
Token Name field showing what is typed at 40 columns, Sign in reachable at 40x15.

The real app against a real local instance; what is checked is what the compositor
paints, not what a widget holds.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.help import HelpScreen
from rime_tui.tui.screens.overview import OverviewScreen
from rime_tui.tui.screens.save_token import SaveTokenScreen
from rime_tui.tui.screens.settings import SettingsScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from rime_tui.tui.widgets import FormButton
from tests.support.local import Local
from tests.support.tui import (
    reach_tokens,
    reach_workspaces,
    ready_sign_in,
    screen,
    screen_lines,
    shown_text,
    until,
)

SIZES = [(1, 1), (10, 5), (40, 15), (45, 24), (60, 24), (72, 24), (80, 24), (120, 40), (2, 30)]


async def test_resizing_with_the_dialog_open_down_to_1x1_and_back(
    local: Local, make_app: Any
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_tokens(pilot)
        await pilot.press("n", *"resized", "enter")
        modal = await screen(pilot, TokenCreatedScreen)
        secret = modal.token
        await sweep(pilot, modal)
        assert shown_text(app, modal.query_one("#token")) == secret
        overs: list[tuple[str, type[Screen[Any]]]] = [
            ("escape", ConfirmScreen),
            ("w", SaveTokenScreen),
            ("question_mark", HelpScreen),
        ]
        for keys, over in overs:
            await pilot.press(keys)  # the dialogs over it, and the help
            await sweep(pilot, await screen(pilot, over))
            await pilot.press("escape" if over is not ConfirmScreen else "n")
            assert await screen(pilot, TokenCreatedScreen) is modal
        assert shown_text(app, modal.query_one("#token")) == secret


async def test_every_page_survives_any_size(local: Local, make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sweep(pilot, await ready_sign_in(pilot))
        await sweep(pilot, await reach_workspaces(pilot))
        await pilot.press("enter")
        await sweep(pilot, await screen(pilot, OverviewScreen))
        await pilot.press("s")
        await sweep(pilot, await screen(pilot, SettingsScreen))
        await pilot.press("t")
        await sweep(pilot, await screen(pilot, TokensScreen))


async def sweep(pilot: Pilot[Any], shown: Screen[Any]) -> None:
    """Resize through SIZES and back to 80x24: the app runs on, *shown* still on top."""
    for width, height in [*SIZES, *reversed(SIZES), (80, 24)]:
        await pilot.resize_terminal(width, height)
        await pilot.pause()
        assert pilot.app.screen is shown  # the app did not crash
    assert pilot.app.is_running


@pytest.mark.parametrize("width", [30, 40, 45, 50, 56, 60, 72, 80, 120])
async def test_the_token_is_selectable_as_one_piece(
    local: Local, make_app: Any, width: int
) -> None:
    # A mouse selection of the lines the token is on gives the token and nothing else:
    # no border or padding characters inside it when it has to wrap.
    app = make_app()
    async with app.run_test(size=(width, 30)) as pilot:
        await reach_tokens(pilot)
        await pilot.press("n", *"select", "enter")
        modal = await screen(pilot, TokenCreatedScreen)
        secret = modal.token
        await pilot.pause()
        token = modal.query_one("#token")
        region = token.region
        # The whole terminal lines the token is painted on, as a selection takes them.
        lines = [line.rstrip() for line in screen_lines(app)[region.y : region.bottom]]
        if len(secret) <= token.content_region.width:  # on one line: it may be boxed
            assert any(secret in line for line in lines), lines
        else:  # wrapped: the lines hold the token's characters only, from the edge
            assert "".join(line for line in lines if line) == secret, lines


@pytest.mark.parametrize("width", [40, 45])
async def test_the_token_name_field_shows_what_is_typed_at_40_and_45_columns(
    local: Local, make_app: Any, width: int
) -> None:
    app = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        tokens = await reach_tokens(pilot)
        await pilot.press("n", *"deploy-prod-eu")
        field = tokens.query_one("#token-name", Input)
        await until(pilot, lambda: field.value == "deploy-prod-eu", "the typed name")
        await pilot.pause()
        assert shown_text(app, field) == "deploy-prod-eu"


async def test_sign_in_is_on_screen_at_40x15(local: Local, make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(40, 15)) as pilot:
        signin = await ready_sign_in(pilot)
        await pilot.pause()
        button = signin.query_one("#submit", FormButton)
        # Painted whole, with no key pressed: a person sees it, and it works.
        assert app.screen.region.contains_region(button.region), button.region
        row = screen_lines(app)[button.region.y]
        assert "Sign in" in row[button.region.x : button.region.right], row
        await pilot.click(button)
        await screen(pilot, WorkspacesScreen)
        assert not isinstance(app.screen, SignInScreen)
