"""The one-time token dialog as a person meets it (issue 9): the token whole at any
width, no losing it by accident, "Use it" on `u`, and pasting into Token Name.

The real app against a real local instance; what is checked on screen is what the
compositor paints, not what a widget holds.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Static

from rime_tui.api import RimeClient
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.save_token import SaveTokenScreen
from rime_tui.tui.screens.token_created import NOT_KEPT, TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from tests.support.local import Local
from tests.support.tui import (
    notifications,
    reach_tokens,
    screen,
    shown_text,
    text_of,
    until,
    widgets_holding,
)


async def create(pilot: Pilot[Any], name: str) -> tuple[TokenCreatedScreen, str]:
    """On API Access Tokens: n, *name*, Enter; answers the dialog and its secret."""
    await pilot.press("n", *name, "enter")
    modal = await screen(pilot, TokenCreatedScreen)
    secret = modal.token
    assert secret.startswith("rime_")
    return modal, secret


def holding(dialog: TokenCreatedScreen, secret: str) -> list[Widget]:
    """Widgets of the (hidden, reused) dialog that still hold *secret*."""
    return [w for w in dialog.walk_children(Widget) if secret in text_of(w)]


async def closed(pilot: Pilot[Any], modal: TokenCreatedScreen, secret: str) -> None:
    """The dialog is gone, back on the list, and no widget anywhere holds the secret."""
    await screen(pilot, TokensScreen)
    app = pilot.app
    assert isinstance(app, RimeApp)
    assert widgets_holding(app, secret) == []
    assert holding(modal, secret) == []


# -- the token, whole, at any width -----------------------------------------------------------


@pytest.mark.parametrize("width", [40, 60, 72, 80, 120])
async def test_every_character_of_the_token_is_on_screen(
    local: Local, make_app: Any, width: int
) -> None:
    app = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        await reach_tokens(pilot)
        modal, secret = await create(pilot, f"width {width}")
        await pilot.pause()
        assert shown_text(app, modal.query_one("#token")) == secret
        if width == 80:  # narrowed while the dialog is open: it wraps again
            await pilot.resize_terminal(60, 24)
            await pilot.pause()
            assert shown_text(app, modal.query_one("#token")) == secret


# -- no pause between Enter and the dialog -------------------------------------------------------


async def test_no_garbage_collection_while_the_token_is_created(
    local: Local, make_app: Any
) -> None:
    # A collection then (up to 45 ms for a gen-2 one) held the dialog back.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await reach_tokens(pilot)
        await pilot.press("n", *"no pause")
        await pilot.pause()
        creating: list[int] = []

        def collected(phase: str, info: dict[str, int]) -> None:
            if phase == "start" and isinstance(app.screen, TokensScreen):
                creating.append(info["generation"])

        gc.callbacks.append(collected)
        try:
            await pilot.press("enter")
            await screen(pilot, TokenCreatedScreen)
            gc.callbacks.remove(collected)
        finally:
            if collected in gc.callbacks:
                gc.callbacks.remove(collected)
        assert creating == []
        await until(pilot, gc.isenabled, "collections back on once the dialog is painted")


# -- closing asks until the token was kept ------------------------------------------------------


async def test_closing_before_the_token_was_kept_asks_first(
    desktop_clipboard: list[str], local: Local, make_app: Any, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_tokens(pilot)
        modal, secret = await create(pilot, "asked")

        # Esc asks; n keeps the dialog, token and all.
        await pilot.press("escape")
        confirm = await screen(pilot, ConfirmScreen)
        assert text_of(confirm.query_one("#confirm-message", Static)) == NOT_KEPT
        await pilot.press("n")
        assert await screen(pilot, TokenCreatedScreen) is modal
        assert shown_text(app, modal.query_one("#token")) == secret

        # Enter on Done asks too; y closes, and nothing holds the secret any more.
        modal.query_one("#done").focus()
        await pilot.press("enter")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await closed(pilot, modal, secret)

        # Copied: Esc closes at once. (The next token gets the same dialog, asking again.)
        modal, secret = await create(pilot, "copied")
        await pilot.press("c", "escape")
        await closed(pilot, modal, secret)

        # Saved to a file: Esc closes at once.
        modal, secret = await create(pilot, "saved")
        await pilot.press("w")
        dialog = await screen(pilot, SaveTokenScreen)
        path = tmp_path / "saved.txt"
        dialog.query_one("#path", Input).value = str(path)
        await pilot.press("enter")
        await screen(pilot, TokenCreatedScreen)
        assert path.read_text() == secret + "\n"
        await pilot.press("escape")
        await closed(pilot, modal, secret)


async def test_quitting_over_the_dialog_asks_until_the_token_was_kept(
    local: Local, make_app: Any
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_tokens(pilot)
        await create(pilot, "quit")
        await pilot.press("ctrl+q")
        confirm = await screen(pilot, ConfirmScreen)
        assert text_of(confirm.query_one("#confirm-message", Static)) == NOT_KEPT
        await pilot.press("n")
        await screen(pilot, TokenCreatedScreen)
        assert app.is_running
        await pilot.press("ctrl+q")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
    assert app.return_code == 0


async def test_quitting_over_the_save_dialog_still_asks(local: Local, make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_tokens(pilot)
        await create(pilot, "quit from save")
        await pilot.press("w")
        await screen(pilot, SaveTokenScreen)
        await pilot.press("ctrl+q")
        await screen(pilot, ConfirmScreen)
        assert app.is_running
        await pilot.press("y")
    assert app.return_code == 0


# -- Use it --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_u_toggles_use_it_and_the_token_stays_in_view(
    desktop_clipboard: list[str], local: Local, make_app: Any, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await reach_tokens(pilot)
        modal, secret = await create(pilot, "use it")
        snippets = modal.query_one("#snippets")
        assert not snippets.display

        await pilot.press("u")
        await until(pilot, lambda: snippets.display and snippets.region.height > 0, "snippets")
        curl = modal.query_one("#snippet-curl", Static)
        assert secret in text_of(curl)
        assert shown_text(app, modal.query_one("#token")) == secret  # not scrolled away
        assert snippets.region.y > modal.query_one("#token").region.bottom
        # The snippets scroll under the token; the token stays where it was.
        snippets.scroll_end(animate=False)
        await pilot.pause()
        assert shown_text(app, modal.query_one("#token")) == secret

        await pilot.press("u")
        await until(pilot, lambda: not snippets.display, "snippets hidden")
        assert shown_text(app, modal.query_one("#token")) == secret
        await pilot.press("c", "escape")
        await closed(pilot, modal, secret)


# -- paste into Token Name ---------------------------------------------------------------------


async def test_pasted_lines_and_tabs_become_spaces_with_a_notice(
    desktop_clipboard: list[str], local: Local, make_app: Any, admin: RimeClient
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot)
        field = tokens.query_one("#token-name", Input)
        await pilot.press("n")
        field.post_message(events.Paste("a\nb\tc\r\n"))  # as a terminal's bracketed paste
        await until(pilot, lambda: field.value, "the paste")
        assert field.value == "a b c"
        assert any("line breaks and tabs became spaces" in n for n in notifications(app))

        # An escape sequence is dropped whole, not left behind as "[2J".
        field.value = ""
        field.post_message(events.Paste("esc\x1b[2J\x1b]52;c;aGk=\x07aped\x00"))
        await until(pilot, lambda: field.value, "the second paste")
        assert field.value == "escaped"

        field.value = "a b c"
        await pilot.press("enter")
        modal = await screen(pilot, TokenCreatedScreen)
        await pilot.press("c", "escape")
        await closed(pilot, modal, modal.token or "rime_")
    names = [t.name async for t in admin.iter_api_tokens(local.workspace_id)]
    assert "a b c" in names


async def test_the_name_field_takes_the_servers_limit_and_says_so_once(
    local: Local, make_app: Any
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot)
        field = tokens.query_one("#token-name", Input)
        await pilot.press("n", *"x" * 98)
        await pilot.press(*"yyyyyy")  # two fit, four are refused
        assert field.value == "x" * 98 + "yy"
        too_long = [n for n in notifications(app) if "at most 100 characters" in n]
        assert len(too_long) == 1, too_long

        # A paste that goes past it: refused, with the one message (still one).
        field.value = "x" * 90
        field.post_message(events.Paste("z" * 20))
        await pilot.pause()
        assert field.value == "x" * 90
        too_long = [n for n in notifications(app) if "at most 100 characters" in n]
        assert len(too_long) == 2, too_long  # a new attempt after the value changed
        field.post_message(events.Paste("z" * 20))
        await pilot.pause()
        too_long = [n for n in notifications(app) if "at most 100 characters" in n]
        assert len(too_long) == 2, too_long
