"""The key bar (rime_tui/tui/widgets.py: KeyBar), which stands where Textual's Footer
did: the keys that work now, kept current as focus moves and dialogs come and go, and
a click on one presses it."""

from __future__ import annotations

from typing import Any

from textual.command import CommandPalette
from textual.pilot import Pilot

from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.help import HelpScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from rime_tui.tui.widgets import KeyBar
from tests.support.tui import MakeApp, SignIn, reach_tokens, screen, screen_lines, until


def bottom_line(pilot: Pilot[Any]) -> str:
    assert isinstance(pilot.app, RimeApp)
    return screen_lines(pilot.app)[-1]


async def click_key(pilot: Pilot[Any], label: str) -> None:
    """Click the middle of *label* as the current screen's key bar shows it."""
    x = bottom_line(pilot).index(label) + len(label) // 2
    await pilot.click(KeyBar, offset=(x, 0))


async def test_the_bar_shows_the_keys_that_work_now(make_app: MakeApp, signed_in: SignIn) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in)
        await pilot.pause()
        line = bottom_line(pilot)
        for key in ("esc Back", "n New token", "d Delete", "R Rotate", "^q Quit", "^p palette"):
            assert key in line
        assert line.rstrip().endswith("^q Quit  ? Help │ ^p palette")

        await pilot.press("n")  # into Token Name: the letter keys type, so they are not shown
        await until(pilot, lambda: "New token" not in bottom_line(pilot), "the field's keys")
        assert "esc Back" in bottom_line(pilot)
        assert "d Delete" not in bottom_line(pilot)

        await pilot.press(*"bar", "enter")
        await screen(pilot, TokenCreatedScreen)
        await until(pilot, lambda: "c Copy" in bottom_line(pilot), "the dialog's keys")
        assert "u Use it" in bottom_line(pilot)
        assert "esc Done" in bottom_line(pilot)
        # Over a dialog ctrl+q still works (it asks first) and is shown; ? does not work.
        assert bottom_line(pilot).rstrip().endswith("^q Quit")
        assert "Help" not in bottom_line(pilot)

        await pilot.press("escape")  # not copied: it asks
        await screen(pilot, ConfirmScreen)
        await until(pilot, lambda: "y Confirm" in bottom_line(pilot), "the question's keys")
        assert "n Cancel" in bottom_line(pilot)
        await pilot.press("n")
        await screen(pilot, TokenCreatedScreen)
        await pilot.press("c")  # copied: Esc closes at once
        await pilot.press("escape")
        await screen(pilot, TokensScreen)  # back on the list: its keys are back
        await until(pilot, lambda: "d Delete" in bottom_line(pilot), "the list's keys")


async def test_esc_says_what_it_does_while_a_filter_is_open(
    make_app: MakeApp, signed_in: SignIn
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await signed_in(pilot)
        await screen(pilot, WorkspacesScreen)
        await until(pilot, lambda: "esc Sign out" in bottom_line(pilot), "the page's keys")
        await pilot.press("slash", "w", "o")
        await until(pilot, lambda: "esc Close filter" in bottom_line(pilot), "the filter's Esc")
        assert "Sign out" not in bottom_line(pilot)
        await pilot.press("enter")  # into the filtered list, the filter still open
        await until(pilot, lambda: app.focused is not None and app.focused.id != "filter", "")
        assert "esc Close filter" in bottom_line(pilot)
        await pilot.press("escape")
        await until(pilot, lambda: "esc Sign out" in bottom_line(pilot), "Esc signs out again")
        assert isinstance(app.screen, WorkspacesScreen)  # that Esc only closed the filter


async def test_a_click_on_a_key_presses_it(make_app: MakeApp, signed_in: SignIn) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await signed_in(pilot)
        await screen(pilot, WorkspacesScreen)
        await pilot.pause()
        await click_key(pilot, "? Help")
        await screen(pilot, HelpScreen)
        await pilot.press("escape")
        await screen(pilot, WorkspacesScreen)
        await pilot.pause()
        await click_key(pilot, "^p palette")
        await screen(pilot, CommandPalette)


async def test_a_narrow_bar_keeps_quit_and_help_and_shows_whole_keys(
    make_app: MakeApp, signed_in: SignIn
) -> None:
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in)
        await pilot.pause()
        line = bottom_line(pilot)
        assert len(line) == 60
        # The page's keys that fit, whole, then Quit and Help; the palette's key (in
        # Help, like every key) only when there is room left.
        assert line.startswith(" esc Back  n New token  d Delete  R Rotate  ")
        assert line.endswith(" ^q Quit  ? Help ")
        assert "palette" not in line
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        line = bottom_line(pilot)
        assert line.startswith(" esc Back  n New token  ")
        assert line.endswith(" ^q Quit  ? Help ")
        await pilot.resize_terminal(20, 20)
        await pilot.pause()
        assert bottom_line(pilot).rstrip().endswith("^q Quit  ? Help")
        await click_key(pilot, "? Help")
        await screen(pilot, HelpScreen)
